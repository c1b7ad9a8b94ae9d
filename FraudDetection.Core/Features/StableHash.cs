namespace FraudDetection.Core.Features;

/// <summary>
/// FNV-1a over UTF-16 code units. Hand-written because string.GetHashCode is randomized per process and saved state
/// (and the merchant features' topics) must hash merchants the same way after a restart and on every machine.
/// </summary>
internal static class StableHash
{
    public static uint Of(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * 16777619u;
            hash = (hash ^ (byte)(c >> 8)) * 16777619u;
        }
        return hash;
    }

    /// <summary>64-bit: a merchant's identity in the merchant features (a collision between two merchants is ~n²/2^65).</summary>
    public static ulong Of64(string text)
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
