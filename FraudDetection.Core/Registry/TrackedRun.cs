namespace FraudDetection.Core.Registry;

/// <summary>An MLflow-model run: its id, experiment, name and where its artifacts live (model versions live there too).</summary>
public sealed record TrackedRun(string RunId, string ExperimentId, string RunName, string ArtifactUri);

public enum TrackedRunStatus
{
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}
