using System.Globalization;

namespace FraudDetection.Graph.Store;

/// <summary>How both stores keep a verdict's time: UTC, ISO-8601 with fixed digits, so that the text sorts as the time.</summary>
internal static class GraphLabels
{
    public static string LearnedAt(FraudLabel label) =>
        label.LearnedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
