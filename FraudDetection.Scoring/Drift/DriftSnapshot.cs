using System.Text.Json.Serialization;

namespace FraudDetection.Scoring.Drift;

/// <summary>
/// The <c>drift</c> section of <c>GET /api/scoring/stats</c>: the champion's live window against its training reference.
/// <see cref="Status"/> is <c>off</c>, <c>no champion</c>, <c>no reference</c>, <c>warming up</c> (fewer rows than
/// <see cref="MinRows"/>: no PSI yet) or <c>tracking</c>.
/// </summary>
public sealed record DriftSnapshot(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("window_rows")] int WindowRows,
    [property: JsonPropertyName("min_rows")] int MinRows,
    [property: JsonPropertyName("score_psi")] double? ScorePsi,
    [property: JsonPropertyName("psi")] IReadOnlyDictionary<string, double>? Psi,
    [property: JsonPropertyName("alert_rate")] double? AlertRate,
    [property: JsonPropertyName("reference_alert_rate")] double? ReferenceAlertRate,
    [property: JsonPropertyName("reference_rows")] long? ReferenceRows);
