namespace FraudDetection.Training.Runs;

/// <summary>Runs queued training runs one at a time.</summary>
public sealed class TrainingRunWorker(TrainingRunQueue queue, IServiceScopeFactory scopes, ILogger<TrainingRunWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var id in queue.Pending.ReadAllAsync(stoppingToken))
        {
            using var scope = scopes.CreateScope();
            try
            {
                await scope.ServiceProvider.GetRequiredService<TrainingRunner>().RunAsync(id, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The runner records its own failures; this is a failure to even build it (e.g. bad configuration).
                logger.LogError(e, "Training run {Id} could not start", id);
                queue.Update(id, run => run with { State = TrainingRunState.Failed, Error = e.Message });
            }
        }
    }
}
