using FraudDetection.Core.Models;
using FraudDetection.Training.Options;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Schedule;

/// <summary>
/// At start, queues a training run when the registry has no champion yet, or one Scoring cannot serve (trained on an older
/// feature schema), so Scoring gets a model in the embedded default.
/// </summary>
public sealed class StarterModelService(IModelRegistry registry, TrainingRunQueue queue, IOptions<TrainingOptions> options, ILogger<StarterModelService> logger) : BackgroundService
{
    /// <summary>The <c>trigger</c> of the starter run and of the version it registers.</summary>
    public const string Trigger = "starter";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.TrainStarterModel)
        {
            return;
        }

        try
        {
            var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, stoppingToken);
            if (champion is null)
            {
                var run = queue.TryEnqueue(Trigger);
                logger.LogInformation("No champion in the registry: training a starter model (run {Id})", run?.Id);
                return;
            }

            if (ModelServing.WhyNotServable(champion) is { } why)
            {
                // An upgrade changed the features: without a new model Scoring would wait forever.
                var run = queue.TryEnqueue(Trigger);
                logger.LogWarning("Champion version {Version} cannot be served: {Reason}; training a starter model to replace it (run {Id})", champion.Version, why, run?.Id);
                return;
            }

            logger.LogInformation("Champion is version {Version}; no starter model needed", champion.Version);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not check the registry for a champion; no starter model queued: {Message}", e.Message);
        }
    }
}
