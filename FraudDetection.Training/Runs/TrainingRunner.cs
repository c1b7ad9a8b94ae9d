using System.Diagnostics;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Preflight;

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

            var request = new TrainingPipelineRequest(status.Trigger, dataLocator.Resolve(), Path.Combine(dataLocator.WorkDirectory(), id)) { QueuedRunId = id };
            var result = await pipeline.RunAsync(request, new QueueProgress(queue, id), cancellationToken);
            Log(id, $"gate: {result.Decision.Outcome} ({result.Decision.Reason})");

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

    /// <summary>The pipeline's steps on the run's status: the stage and what the run has produced change the status, every step is a log line.</summary>
    private sealed class QueueProgress(TrainingRunQueue queue, string id) : IProgress<TrainingPipelineProgress>
    {
        public void Report(TrainingPipelineProgress value)
        {
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
