using System.Text.Json.Serialization;

namespace FraudDetection.Training.Runs;

[JsonConverter(typeof(JsonStringEnumConverter<TrainingRunState>))]
public enum TrainingRunState
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>Where a training run stands, as <c>GET /api/training/runs/{id}</c> shows it.</summary>
public sealed record TrainingRunStatus
{
    public required string Id { get; init; }
    /// <summary><c>api</c>, <c>schedule</c>, <c>starter</c> or <c>drift</c>.</summary>
    public required string Trigger { get; init; }
    /// <summary>Tags the tracked run gets besides the pipeline's own (e.g. <c>reason</c>, and the drift that queued it).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public TrainingRunState State { get; init; }
    /// <summary>queued, preflight, training, tracking, registering, gating, done.</summary>
    public string Stage { get; init; } = "queued";
    public DateTimeOffset QueuedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
    /// <summary>The tracked (MLflow) run id.</summary>
    public string? TrackedRunId { get; init; }
    public string? ModelVersion { get; init; }
    public string? Decision { get; init; }
    public string? DecisionReason { get; init; }
    public double? AveragePrecision { get; init; }
    public IReadOnlyList<string> Log { get; init; } = [];
}
