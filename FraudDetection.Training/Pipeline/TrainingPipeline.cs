using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Tracking;
using FraudDetection.Training.Trainers;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Pipeline;

/// <summary>What one training run trains on, where its model folder goes, and what started it.</summary>
public sealed record TrainingPipelineRequest(string Trigger, IReadOnlyList<string> DataFiles, string OutputDirectory)
{
    /// <summary>The run queue's id, tagged on the tracked run as <c>training_run_id</c> when the run came through the queue.</summary>
    public string? QueuedRunId { get; init; }

    /// <summary>Parameters for this run instead of the <c>Training</c> options' (the AppHost's quick starter model).</summary>
    public HyperParameters? Parameters { get; init; }

    /// <summary>Validation rows explained with TreeSHAP, instead of the <c>Training</c> options'.</summary>
    public int? ShapRows { get; init; }

    /// <summary>Days at the end of the data held out for validation, instead of the <c>Training</c> options'.</summary>
    public int? ValidationDays { get; init; }

    /// <summary>Verdicts received on fraud.labels that replace the data's targets (null: the data's labels only).</summary>
    public Labels.ReceivedLabels? ReceivedLabels { get; init; }

    /// <summary>More tags for the tracked run (what queued it and why); the pipeline's own tags win on a clash.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}

/// <summary>
/// A step of a run: its stage (<c>training</c>, <c>tracking</c>, <c>registering</c>, <c>gating</c>), a line for a log,
/// the training library's own step while training, and what the run has produced so far.
/// </summary>
public sealed record TrainingPipelineProgress(string Stage, string Message)
{
    public TrainingProgress? Training { get; init; }
    public string? TrackedRunId { get; init; }
    public double? AveragePrecision { get; init; }
    public string? ModelVersion { get; init; }
}

/// <summary>What a finished run left: the tracked run, the model folder, the registered version and the gate's decision.</summary>
public sealed record TrainingPipelineResult(TrackedRun Run, TrainedModel Model, RegisteredModelVersion Version, PromotionDecision Decision);

/// <summary>
/// Train → track → register → gate, the one code path for every training run: the Training host's queued runs
/// (<see cref="TrainingRunner"/>) and the AppHost's starter model. Opens a tracked run, trains, logs params, metrics,
/// artifacts and the feature schema, registers the model, lets the <see cref="PromotionGate"/> decide its alias and
/// closes the run (failed or killed when the run does not finish). Progress is reported synchronously, in order.
/// </summary>
public sealed class TrainingPipeline(
    ITrainingJob job,
    IExperimentTracker tracker,
    IModelRegistryAdmin registry,
    PromotionGate gate,
    TrainingDataLocator dataLocator,
    IOptions<RegistryOptions> registryOptions,
    TimeProvider timeProvider,
    ILogger<TrainingPipeline> logger)
{
    public async Task<TrainingPipelineResult> RunAsync(TrainingPipelineRequest request, IProgress<TrainingPipelineProgress> progress, CancellationToken cancellationToken)
    {
        var runName = $"{request.Trigger}-{timeProvider.GetUtcNow():yyyyMMdd-HHmmss}";
        var runTags = new Dictionary<string, string>(request.Tags ?? new Dictionary<string, string>())
        {
            ["trigger"] = request.Trigger,
            ["data_files"] = string.Join(";", request.DataFiles.Select(Path.GetFileName)),
        };
        if (request.QueuedRunId is { } queuedRunId)
        {
            runTags["training_run_id"] = queuedRunId;
        }

        var tracked = await tracker.StartRunAsync(registryOptions.Value.ExperimentName, runName, runTags, cancellationToken);
        try
        {
            progress.Report(new("training", $"tracked run {tracked.RunId} at {tracker.Location}") { TrackedRunId = tracked.RunId });
            var trained = await job.TrainAsync(
                new TrainingJobRequest(request.DataFiles, request.OutputDirectory, runName, request.Parameters, request.ShapRows, request.ValidationDays, request.ReceivedLabels),
                new StepProgress(progress),
                cancellationToken);

            progress.Report(new("tracking", $"trained: average precision {trained.Report.Validation.AveragePrecision:0.0000} on {trained.Report.ValidationWindow}")
            {
                AveragePrecision = trained.Report.Validation.AveragePrecision,
            });
            await tracker.LogBatchAsync(
                tracked,
                ModelReportTracking.Params(trained.Report),
                ModelReportTracking.Metrics(trained.Report, timeProvider.GetUtcNow()),
                new Dictionary<string, string> { ["feature_schema_version"] = trained.Report.FeatureSchemaVersion },
                cancellationToken);
            await tracker.LogArtifactsAsync(tracked, trained.ModelDirectory, "", cancellationToken);
            await LogFeatureSchemaAsync(tracked, trained, cancellationToken);

            progress.Report(new("registering", $"logged params, metrics and artifacts to run {tracked.RunId}"));
            var version = await registry.RegisterAsync(trained.ModelDirectory, new Dictionary<string, string>
            {
                [RegistryTags.RunId] = tracked.RunId,
                [RegistryTags.SourceDirectory] = trained.ModelDirectory,
                ["trigger"] = request.Trigger,
            }, cancellationToken);
            await tracker.LogBatchAsync(tracked, tags: new Dictionary<string, string> { ["model_version"] = version.Version }, cancellationToken: cancellationToken);

            progress.Report(new("gating", $"registered as version {version.Version} at {registry.Location}") { ModelVersion = version.Version });
            var decision = await gate.DecideAsync(version, request.DataFiles, tracker, tracked, cancellationToken);

            await tracker.EndRunAsync(tracked, TrackedRunStatus.Finished, cancellationToken);
            return new TrainingPipelineResult(tracked, trained, version, decision);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host is stopping: close the tracked run as killed rather than leave it running forever.
            await CloseAsync(tracked, TrackedRunStatus.Killed, error: null);
            throw;
        }
        catch (Exception e)
        {
            await CloseAsync(tracked, TrackedRunStatus.Failed, e.Message);
            throw;
        }
    }

    private async Task CloseAsync(TrackedRun tracked, TrackedRunStatus status, string? error)
    {
        try
        {
            if (error is not null)
            {
                await tracker.LogBatchAsync(tracked, tags: new Dictionary<string, string> { ["error"] = error.Length > 5000 ? error[..5000] : error }, cancellationToken: CancellationToken.None);
            }

            await tracker.EndRunAsync(tracked, status, CancellationToken.None);
        }
        catch (Exception trackingError)
        {
            logger.LogWarning(trackingError, "Could not mark tracked run {RunId} {Status}", tracked.RunId, status);
        }
    }

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

    /// <summary>The training library's steps as pipeline progress, passed on as they come (no thread hop, so in order).</summary>
    private sealed class StepProgress(IProgress<TrainingPipelineProgress> progress) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => progress.Report(new("training", $"{value.Stage}: {value.Message}") { Training = value });
    }
}
