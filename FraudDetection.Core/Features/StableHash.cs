namespace FraudDetection.Core.Features;

/// <summary>
/// FNV-1a over UTF-16 code units. Hand-written because string.GetHashCode is randomized per process and saved state
/// must hash merchants the same way after a restart.
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
}
