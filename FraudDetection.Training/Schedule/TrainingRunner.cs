using System.Diagnostics;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Tracking;
using FraudDetection.Training.Promotion;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Schedule;

/// <summary>
/// One training run end to end: preflight, a tracked run, training, params/metrics/artifacts logged, the model
/// registered as challenger, the promotion gate, the run closed. Progress goes to the <see cref="TrainingRunQueue"/>.
/// </summary>
public sealed class TrainingRunner(
    TrainingRunQueue queue,
    TrainingPreflight preflight,
    TrainingDataLocator dataLocator,
    ITrainingJob job,
    IExperimentTracker tracker,
    IModelRegistryAdmin registry,
    PromotionGate gate,
    IOptions<RegistryOptions> registryOptions,
    TimeProvider timeProvider,
    ILogger<TrainingRunner> logger)
{
    public static readonly ActivitySource Activity = new("FraudDetection.Training");

    public async Task RunAsync(string id, CancellationToken cancellationToken)
    {
        using var activity = Activity.StartActivity("training.run");
        activity?.SetTag("training.run_id", id);
        var status = queue.Update(id, run => run with { State = TrainingRunState.Running, Stage = "preflight", StartedAt = timeProvider.GetUtcNow() });
        TrackedRun? tracked = null;
        try
        {
            await preflight.EnsureAsync(cancellationToken);
            Log(id, "preflight passed");

            var dataFiles = dataLocator.Resolve();
            var runName = $"{status.Trigger}-{timeProvider.GetUtcNow():yyyyMMdd-HHmmss}";
            tracked = await tracker.StartRunAsync(registryOptions.Value.ExperimentName, runName, new Dictionary<string, string>
            {
                ["trigger"] = status.Trigger,
                ["training_run_id"] = id,
                ["data_files"] = string.Join(";", dataFiles.Select(Path.GetFileName)),
            }, cancellationToken);
            queue.Update(id, run => run with { Stage = "training", TrackedRunId = tracked.RunId });
            Log(id, $"tracked run {tracked.RunId} at {tracker.Location}");

            var output = Path.Combine(dataLocator.WorkDirectory(), id);
            var progress = new Progress<string>(line => Log(id, line));
            var trained = await job.TrainAsync(new TrainingJobRequest(dataFiles, output, runName), progress, cancellationToken);
            Log(id, $"trained: average precision {trained.Report.Validation.AveragePrecision:0.0000} on {trained.Report.ValidationWindow}");

            queue.Update(id, run => run with { Stage = "tracking", AveragePrecision = trained.Report.Validation.AveragePrecision });
            await tracker.LogBatchAsync(
                tracked,
                ModelReportTracking.Params(trained.Report),
                ModelReportTracking.Metrics(trained.Report, timeProvider.GetUtcNow()),
                new Dictionary<string, string> { ["feature_schema_version"] = trained.Report.FeatureSchemaVersion },
                cancellationToken);
            await tracker.LogArtifactsAsync(tracked, trained.ModelDirectory, "", cancellationToken);
            await LogFeatureSchemaAsync(tracked, trained, cancellationToken);

            queue.Update(id, run => run with { Stage = "registering" });
            var version = await registry.RegisterAsync(trained.ModelDirectory, new Dictionary<string, string>
            {
                [RegistryTags.RunId] = tracked.RunId,
                [RegistryTags.SourceDirectory] = trained.ModelDirectory,
                ["trigger"] = status.Trigger,
            }, cancellationToken);
            await tracker.LogBatchAsync(tracked, tags: new Dictionary<string, string> { ["model_version"] = version.Version }, cancellationToken: cancellationToken);
            Log(id, $"registered as version {version.Version} at {registry.Location}");

            queue.Update(id, run => run with { Stage = "gating", ModelVersion = version.Version });
            var decision = await gate.DecideAsync(version, dataFiles, tracker, tracked, cancellationToken);
            Log(id, $"gate: {decision.Outcome} ({decision.Reason})");

            await tracker.EndRunAsync(tracked, TrackedRunStatus.Finished, cancellationToken);
            queue.Update(id, run => run with
            {
                State = TrainingRunState.Succeeded,
                Stage = "done",
                FinishedAt = timeProvider.GetUtcNow(),
                Decision = decision.Outcome,
                DecisionReason = decision.Reason,
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: close the tracked run as killed rather than leave it running forever.
            queue.Update(id, run => run with { State = TrainingRunState.Failed, FinishedAt = timeProvider.GetUtcNow(), Error = "stopped with the host" });
            if (tracked is not null)
            {
                try
                {
                    await tracker.EndRunAsync(tracked, TrackedRunStatus.Killed, CancellationToken.None);
                }
                catch (Exception trackingError)
                {
                    logger.LogWarning(trackingError, "Could not mark tracked run {RunId} killed", tracked.RunId);
                }
            }

            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Training run {Id} failed: {Message}", id, e.Message);
            queue.Update(id, run => run with { State = TrainingRunState.Failed, FinishedAt = timeProvider.GetUtcNow(), Error = e.Message });
            Log(id, $"failed: {e.Message}");
            if (tracked is not null)
            {
                try
                {
                    await tracker.LogBatchAsync(tracked, tags: new Dictionary<string, string> { ["error"] = e.Message.Length > 5000 ? e.Message[..5000] : e.Message }, cancellationToken: CancellationToken.None);
                    await tracker.EndRunAsync(tracked, TrackedRunStatus.Failed, CancellationToken.None);
                }
                catch (Exception trackingError)
                {
                    logger.LogWarning(trackingError, "Could not mark tracked run {RunId} failed", tracked.RunId);
                }
            }
        }
    }

    private void Log(string id, string line) => queue.AppendLog(id, line);

    /// <summary>The feature schema the model was trained on, as its own artifact (<c>feature_schema.json</c>), for readers that never open the model.</summary>
    private async Task LogFeatureSchemaAsync(TrackedRun tracked, TrainedModel trained, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(dataLocator.WorkDirectory(), $"{tracked.RunId}-schema");
        Directory.CreateDirectory(folder);
        try
        {
            var schema = new { version = trained.Report.FeatureSchemaVersion, names = trained.Report.FeatureNames };
            await File.WriteAllTextAsync(Path.Combine(folder, "feature_schema.json"), System.Text.Json.JsonSerializer.Serialize(schema), cancellationToken);
            await tracker.LogArtifactsAsync(tracked, folder, "", cancellationToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
