using System.Text.Json.Serialization;
using FraudDetection.Scoring.Live;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Apis;

/// <summary>Source-generated JSON for the Scoring API's answers (features may be NaN: named literals allowed).</summary>
[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(ScoreResponse))]
[JsonSerializable(typeof(ScoringStatsSnapshot))]
public sealed partial class ScoringApiJsonContext : JsonSerializerContext;
