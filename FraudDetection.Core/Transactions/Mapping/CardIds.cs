using System.Globalization;

namespace FraudDetection.Core.Transactions.Mapping;

/// <summary>
/// Card numbers for mapped files. A whole number from 1 up is the card number itself; any other id (text such as
/// <c>C1093826151</c>, or 0) becomes a stable number in [2^62, 2^63), which no 16–18 digit card number reaches, so
/// the two kinds never collide. Stable across processes and machines: the offline replay and the stream agree.
/// </summary>
public static class CardIds
{
    private const long HashedBase = 1L << 62;

    public static bool TryParse(ReadOnlySpan<char> text, out long card)
    {
        text = text.Trim();
        if (text.IsEmpty)
        {
            card = 0;
            return false;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out card) && card >= 1)
        {
            return true;
        }
        card = HashedBase | (long)(Fnv1a64(text) & (HashedBase - 1));
        return true;
    }

    // FNV-1a over UTF-16 code units: string.GetHashCode is randomized per process.
    private static ulong Fnv1a64(ReadOnlySpan<char> text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * 1099511628211UL;
            hash = (hash ^ (byte)(c >> 8)) * 1099511628211UL;
        }
        return hash;
    }
}
