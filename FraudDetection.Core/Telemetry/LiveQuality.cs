using System.Text.Json.Serialization;

namespace FraudDetection.Core.Telemetry;

/// <summary>
/// How well the running system does on the scored transactions that carried <c>is_fraud</c> (a replay of labelled
/// data), counted as <see cref="FraudMetrics.Labelled"/> is: alert against label. Undefined ratios are null.
/// </summary>
public sealed record LiveQuality(
    [property: JsonPropertyName("tp")] long TruePositives,
    [property: JsonPropertyName("fp")] long FalsePositives,
    [property: JsonPropertyName("fn")] long FalseNegatives,
    [property: JsonPropertyName("tn")] long TrueNegatives)
{
    /// <summary>Scored transactions that carried a label.</summary>
    [JsonPropertyName("labelled")]
    public long Labelled => TruePositives + FalsePositives + FalseNegatives + TrueNegatives;

    /// <summary>Alerts that were fraud: tp / (tp + fp).</summary>
    [JsonPropertyName("precision")]
    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>Frauds that were alerted: tp / (tp + fn).</summary>
    [JsonPropertyName("recall")]
    public double? Recall => TruePositives + FalseNegatives == 0 ? null : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Alerts per labelled transaction: (tp + fp) / labelled.</summary>
    [JsonPropertyName("alert_rate")]
    public double? AlertRate => Labelled == 0 ? null : (double)(TruePositives + FalsePositives) / Labelled;
}
