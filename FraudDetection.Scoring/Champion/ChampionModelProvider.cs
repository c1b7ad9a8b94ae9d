using FraudDetection.Core.Models;
using FraudDetection.Scoring.Drift;
using FraudDetection.Scoring.Options;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Champion;

/// <summary>Where the scoring loop gets its model: read once per batch, so a swap lands between batches.</summary>
public interface IModelSource
{
    IScoringModel? Current { get; }

    /// <summary>Why there is no model, or which one is loaded (for health and stats).</summary>
    string Status { get; }
}

/// <summary>
/// Polls the registry for the champion; loads and validates a new version off the scoring path, then swaps
/// the reference. The replaced model is disposed later, when no batch or API call can still be using it.
/// </summary>
public sealed class ChampionModelProvider(
    IModelRegistry registry,
    IScoringModelLoader loader,
    IOptions<ScoringOptions> options,
    ILogger<ChampionModelProvider> logger,
    TimeProvider? timeProvider = null,
    DriftMonitor? drift = null) : BackgroundService, IModelSource
{
    private static readonly TimeSpan RetireDelay = TimeSpan.FromSeconds(30);
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private volatile IScoringModel? current;
    private string? failedVersion;

    public IScoringModel? Current => current;

    public string Status { get; private set; } =
        $"waiting for a '{ModelRegistryNames.ChampionAlias}' model of '{ModelRegistryNames.RegisteredModel}' in the registry";

    /// <summary>One look at the registry; loads and swaps when the champion changed. True when a new model was loaded.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        RegisteredModelVersion? champion;
        try
        {
            champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Status = $"model registry unreachable: {e.Message}" + (current is null ? "" : $"; still scoring with {current.Version}");
            logger.LogWarning("Model registry unreachable: {Error}", e.Message);
            return false;
        }

        if (champion is null)
        {
            if (current is null)
            {
                Status = $"no '{ModelRegistryNames.ChampionAlias}' model of '{ModelRegistryNames.RegisteredModel}' in the registry yet; waiting (train and promote one)";
            }
            return false;
        }

        if (champion.Version == current?.Version || champion.Version == failedVersion)
        {
            return false;
        }

        IScoringModel loaded;
        try
        {
            loaded = loader.Load(champion);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failedVersion = champion.Version;
            Status = $"champion version {champion.Version} refused: {e.Message}" + (current is null ? "" : $"; still scoring with {current.Version}");
            logger.LogError("Champion version {Version} refused: {Error}", champion.Version, e.Message);
            return false;
        }

        failedVersion = null;
        // The drift window follows the champion: its reference first, so that none of its batches goes uncounted.
        drift?.UseChampion(champion);
        var previous = Interlocked.Exchange(ref current, loaded);
        Status = $"scoring with {ModelRegistryNames.RegisteredModel} version {loaded.Version} (threshold {loaded.Threshold:0.####})";
        logger.LogInformation("Champion model {Version} loaded (threshold {Threshold}); replaced {Previous}",
            loaded.Version, loaded.Threshold, previous?.Version ?? "nothing");
        if (previous is not null)
        {
            _ = RetireAsync(previous);
        }
        return true;
    }

    /// <summary>Sets a model directly (bench, tests); the registry is not consulted.</summary>
    public void Use(IScoringModel model)
    {
        var previous = Interlocked.Exchange(ref current, model);
        Status = $"scoring with {model.Version}";
        if (previous is not null && !ReferenceEquals(previous, model))
        {
            _ = RetireAsync(previous);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(100, options.Value.ModelPollIntervalMs));
        while (!stoppingToken.IsCancellationRequested)
        {
            await RefreshAsync(stoppingToken);
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        Interlocked.Exchange(ref current, null)?.Dispose();
    }

    private async Task RetireAsync(IScoringModel model)
    {
        // A batch or /api/score call that read the old reference finishes well within this delay.
        await Task.Delay(RetireDelay, time).ConfigureAwait(false);
        model.Dispose();
    }
}
