using System.Text.Json;

namespace FraudDetection.Training.Drift;

/// <summary>Reads the <c>drift</c> section of Scoring's <c>GET /api/scoring/stats</c>.</summary>
public sealed class ScoringDriftClient(HttpClient http) : IDriftReadings
{
    public const string StatsPath = "/api/scoring/stats";

    public async Task<DriftReading?> ReadAsync(CancellationToken cancellationToken)
    {
        await using var body = await http.GetStreamAsync(StatsPath, cancellationToken);
        using var stats = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        return Parse(stats.RootElement);
    }

    public static DriftReading? Parse(JsonElement stats)
    {
        if (!stats.TryGetProperty("drift", out var drift) || drift.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return new DriftReading(
            drift.TryGetProperty("status", out var status) ? status.GetString() ?? "" : "",
            drift.TryGetProperty("model_version", out var version) && version.ValueKind == JsonValueKind.String ? version.GetString() : null,
            drift.TryGetProperty("score_psi", out var psi) && psi.ValueKind == JsonValueKind.Number ? psi.GetDouble() : null,
            drift.TryGetProperty("window_rows", out var rows) && rows.ValueKind == JsonValueKind.Number ? rows.GetInt32() : 0);
    }
}
