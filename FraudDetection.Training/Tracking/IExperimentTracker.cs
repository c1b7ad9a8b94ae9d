using FraudDetection.Core.Registry;

namespace FraudDetection.Training.Tracking;

/// <summary>One metric value; <see cref="Step"/> orders the points of a curve (e.g. boosting rounds).</summary>
public sealed record MetricPoint(string Key, double Value, long Step, DateTimeOffset Timestamp);

/// <summary>What a run holds, read back: latest value per metric plus every point, params, tags.</summary>
public sealed record TrackedRunData(
    TrackedRun Run,
    TrackedRunStatus Status,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<MetricPoint> Metrics,
    IReadOnlyList<string> Artifacts);

/// <summary>
/// Experiment tracking in MLflow's model: an experiment per name, runs with params, metrics (with steps),
/// tags and artifacts. Two implementations: an MLflow server over REST, and MLflow's file-store layout in a folder.
/// </summary>
public interface IExperimentTracker
{
    /// <summary>Where runs go, for logs and pages (a server URL or a folder).</summary>
    string Location { get; }

    /// <summary>Creates a run in <paramref name="experimentName"/> (the experiment is created when missing).</summary>
    Task<TrackedRun> StartRunAsync(string experimentName, string runName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);

    /// <summary>Logs params, metrics and tags in one call (split into several where the store limits a batch).</summary>
    Task LogBatchAsync(
        TrackedRun run,
        IReadOnlyDictionary<string, string>? parameters = null,
        IReadOnlyList<MetricPoint>? metrics = null,
        IReadOnlyDictionary<string, string>? tags = null,
        CancellationToken cancellationToken = default);

    /// <summary>Uploads every file under <paramref name="localDirectory"/> to the run's artifacts under <paramref name="artifactPath"/> ("" = root).</summary>
    Task LogArtifactsAsync(TrackedRun run, string localDirectory, string artifactPath, CancellationToken cancellationToken = default);

    Task EndRunAsync(TrackedRun run, TrackedRunStatus status, CancellationToken cancellationToken = default);

    /// <summary>Reads a run back; null when it does not exist.</summary>
    Task<TrackedRunData?> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Downloads the run's artifacts under <paramref name="artifactPath"/> into <paramref name="localDirectory"/>.</summary>
    Task DownloadArtifactsAsync(TrackedRun run, string artifactPath, string localDirectory, CancellationToken cancellationToken = default);
}
