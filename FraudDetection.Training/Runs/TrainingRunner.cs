using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Training.Options;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Trainers;
using Microsoft.Extensions.Options;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Preflight;
using FraudDetection.Training.Labels;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Training.Runs;

/// <summary>
/// One queued training run: preflight, then the <see cref="TrainingPipeline"/> (tracked run, training, the model
/// registered as challenger, the promotion gate) on the configured data. Progress goes to the <see cref="TrainingRunQueue"/>.
/// </summary>
public sealed class TrainingRunner(
    TrainingRunQueue queue,
    TrainingPreflight preflight,
    TrainingDataLocator dataLocator,
    TrainingPipeline pipeline,
    TimeProvider timeProvider,
    IOptions<TrainingOptions> options,
    IConfiguration configuration,
    ILogger<TrainingRunner> logger)
{
    public static readonly ActivitySource Activity = new("FraudDetection.Training");

    public async Task RunAsync(string id, CancellationToken cancellationToken)
    {
        using var activity = Activity.StartActivity("training.run");
        activity?.SetTag("training.run_id", id);
        var status = queue.Update(id, run => run with { State = TrainingRunState.Running, Stage = "preflight", StartedAt = timeProvider.GetUtcNow() });
        try
        {
            await preflight.EnsureAsync(cancellationToken);
            Log(id, "preflight passed");

            var request = WithStarterParameters(new TrainingPipelineRequest(status.Trigger, dataLocator.Resolve(), Path.Combine(dataLocator.WorkDirectory(), id)) { QueuedRunId = id, Tags = status.Tags, ReceivedLabels = ReadLabels(id, cancellationToken) });
            logger.LogInformation("Training run {Id} ({Trigger}) on {Files}", id, status.Trigger, string.Join(", ", request.DataFiles));
            var result = await pipeline.RunAsync(request, new QueueProgress(queue, id, logger), cancellationToken);
            Log(id, $"gate: {result.Decision.Outcome} ({result.Decision.Reason})");
            logger.LogInformation("Training run {Id} done: version {Version}, {Outcome} ({Reason})", id, result.Version.Version, result.Decision.Outcome, result.Decision.Reason);

            queue.Update(id, run => run with
            {
                State = TrainingRunState.Succeeded,
                Stage = "done",
                FinishedAt = timeProvider.GetUtcNow(),
                Decision = result.Decision.Outcome,
                DecisionReason = result.Decision.Reason,
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            queue.Update(id, run => run with { State = TrainingRunState.Failed, FinishedAt = timeProvider.GetUtcNow(), Error = "stopped with the host" });
            throw;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Training run {Id} failed: {Message}", id, e.Message);
            queue.Update(id, run => run with { State = TrainingRunState.Failed, FinishedAt = timeProvider.GetUtcNow(), Error = e.Message });
            Log(id, $"failed: {e.Message}");
        }
    }

    private void Log(string id, string line) => queue.AppendLog(id, line);

    /// <summary>
    /// The verdicts received so far on fraud.labels, when a Kafka connection is configured. A run goes on without them
    /// when the topic cannot be read; its params say so (<c>labels_from</c>).
    /// </summary>
    private ReceivedLabels ReadLabels(string id, CancellationToken cancellationToken)
    {
        if (KafkaConnection.BootstrapServers(configuration) is not { } bootstrapServers)
        {
            return ReceivedLabels.None("none (no Kafka connection configured)");
        }
        try
        {
            var labels = ReceivedLabels.Read(bootstrapServers, TimeSpan.FromSeconds(30), cancellationToken);
            Log(id, $"labels: {labels.ByTransNum.Count} verdicts from {labels.Source}, {labels.Skipped} skipped");
            return labels;
        }
        catch (Exception e) when (e is KafkaException or TimeoutException)
        {
            logger.LogWarning("Training run {Id} goes on without received labels: {Error}", id, e.Message);
            return ReceivedLabels.None($"none ({Topics.Labels} unreadable: {e.Message})");
        }
    }

    /// <summary>The starter run's own quicker parameters (<c>Training:Starter</c>), when set.</summary>
    private TrainingPipelineRequest WithStarterParameters(TrainingPipelineRequest request)
    {
        var starter = options.Value.Starter;
        if (request.Trigger != StarterModelService.Trigger || starter is { Trees: null, LearningRate: null, ShapRows: null, ValidationDays: null })
        {
            return request;
        }
        var defaults = new HyperParameters();
        return request with
        {
            Parameters = defaults with
            {
                Trees = starter.Trees ?? options.Value.Trees ?? defaults.Trees,
                LearningRate = starter.LearningRate ?? defaults.LearningRate,
            },
            ShapRows = starter.ShapRows,
            ValidationDays = starter.ValidationDays,
        };
    }

    /// <summary>
    /// The pipeline's steps on the run's status: the stage and what the run has produced change the status, every step
    /// is a line of the run's log; the host's log gets each new stage and at most one line every two seconds within one.
    /// </summary>
    private sealed class QueueProgress(TrainingRunQueue queue, string id, ILogger logger) : IProgress<TrainingPipelineProgress>
    {
        private string? _stage;
        private long _lastLogged;

        public void Report(TrainingPipelineProgress value)
        {
            var stage = value.Training?.Stage ?? value.Stage;
            if (stage != _stage || Stopwatch.GetElapsedTime(_lastLogged) > TimeSpan.FromSeconds(2))
            {
                _stage = stage;
                _lastLogged = Stopwatch.GetTimestamp();
                var share = value.Training is { Done: { } done, Total: > 0 and var total } ? $" {100.0 * done / total:F0}%" : "";
                logger.LogInformation("Training run {Id} [{Stage}]{Share} {Message}", id, stage, share, value.Message);
            }

            // The training library's own steps only add log lines; the stage moves on the pipeline's steps.
            if (value.Training is null)
            {
                queue.Update(id, run => run with
                {
                    Stage = value.Stage,
                    TrackedRunId = value.TrackedRunId ?? run.TrackedRunId,
                    AveragePrecision = value.AveragePrecision ?? run.AveragePrecision,
                    ModelVersion = value.ModelVersion ?? run.ModelVersion,
                });
            }

            queue.AppendLog(id, value.Message);
        }
    }
}
