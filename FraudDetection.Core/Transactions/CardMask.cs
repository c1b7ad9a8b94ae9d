using System.Security.Cryptography;
using System.Text;

namespace FraudDetection.Core.Transactions;

/// <summary>Card numbers leave the scoring path only masked (last 4 digits) or as an opaque id.</summary>
public static class CardMask
{
    public static string Mask(long ccNum) => Mask(ccNum.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string Mask(string ccNum)
    {
        var digits = ccNum.Trim();
        return digits.Length <= 4 ? "****" : "****" + digits[^4..];
    }

    /// <summary>A stable pseudonymous card id (first 16 hex chars of SHA-256), safe to log and to map to a recipient.</summary>
    public static string CardId(long ccNum)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.ASCII.GetBytes(ccNum.ToString(System.Globalization.CultureInfo.InvariantCulture)), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }
}
