using System.Globalization;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Options;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Promotion;

/// <summary>
/// Champion/challenger: a new version is registered as <c>challenger</c> and becomes <c>champion</c> only when,
/// on the same latest labelled window, its average precision beats the champion's and its recall at its threshold
/// is no more than <see cref="PromotionOptions.MaxRecallLoss"/> below. The first version becomes champion outright.
/// A version Scoring cannot serve (<see cref="ModelServing"/>) is refused before any comparison and gets no alias.
/// The decision is written as tags on the version and as tags and metrics on the run.
/// </summary>
public sealed class PromotionGate(
    IModelRegistryAdmin registry,
    IModelEvaluator evaluator,
    IOptions<PromotionOptions> options,
    TimeProvider timeProvider,
    ILogger<PromotionGate> logger)
{
    public async Task<PromotionDecision> DecideAsync(RegisteredModelVersion challenger, IReadOnlyList<string> dataFiles, IExperimentTracker? tracker, TrackedRun? run, CancellationToken cancellationToken)
    {
        if (ModelServing.WhyNotServable(challenger) is { } why)
        {
            var refused = new PromotionDecision(PromotionOutcomes.NotServable, $"not servable by Scoring, so never champion: {why}", challenger.Version, null, null, null, null);
            logger.LogInformation("Promotion gate: version {Version} {Outcome} ({Reason})", challenger.Version, refused.Outcome, refused.Reason);
            await RecordAsync(refused, tracker, run, cancellationToken);
            return refused;
        }

        await registry.SetAliasAsync(ModelRegistryNames.ChallengerAlias, challenger.Version, cancellationToken);
        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);

        PromotionDecision decision;
        if (champion is null)
        {
            decision = new PromotionDecision(PromotionOutcomes.FirstChampion, "no champion yet: the first model becomes champion", challenger.Version, null, null, null, null);
        }
        else if (champion.Version == challenger.Version)
        {
            decision = new PromotionDecision(PromotionOutcomes.Promoted, "already champion", challenger.Version, champion.Version, null, null, null);
        }
        else if (ModelServing.WhyNotServable(champion) is { } championUnservable)
        {
            // Nothing to compare with: Scoring refuses the champion, so any servable model beats none.
            decision = new PromotionDecision(PromotionOutcomes.ReplacedUnservable, $"champion v{champion.Version} cannot be served ({championUnservable})", challenger.Version, champion.Version, null, null, null);
        }
        else
        {
            var settings = options.Value;
            var window = await evaluator.LatestWindowAsync(dataFiles, settings.WindowDays, cancellationToken);
            var challengerMetrics = await evaluator.EvaluateAsync(challenger, window, cancellationToken);
            var championMetrics = await evaluator.EvaluateAsync(champion, window, cancellationToken);
            decision = Compare(challenger.Version, champion.Version, window.ToString(), challengerMetrics, championMetrics, settings);
        }

        if (decision.BecameChampion)
        {
            await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, challenger.Version, cancellationToken);
            await registry.DeleteAliasAsync(ModelRegistryNames.ChallengerAlias, cancellationToken);
        }

        logger.LogInformation("Promotion gate: version {Version} {Outcome} ({Reason})", challenger.Version, decision.Outcome, decision.Reason);
        await RecordAsync(decision, tracker, run, cancellationToken);
        return decision;
    }

    /// <summary>The rule itself, on figures from the same window.</summary>
    public static PromotionDecision Compare(string challengerVersion, string championVersion, string window, EvaluationMetrics challenger, EvaluationMetrics champion, PromotionOptions options)
    {
        var apGain = challenger.AveragePrecision - champion.AveragePrecision;
        var recallLoss = champion.Recall - challenger.Recall;
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"average precision {challenger.AveragePrecision:0.0000} vs champion v{championVersion} {champion.AveragePrecision:0.0000}, recall {challenger.Recall:0.0000} vs {champion.Recall:0.0000} on {window}");

        if (apGain <= options.MinAveragePrecisionGain)
        {
            return new PromotionDecision(PromotionOutcomes.KeptChallenger,
                string.Create(CultureInfo.InvariantCulture, $"average precision not better by more than {options.MinAveragePrecisionGain:0.####}: {figures}"),
                challengerVersion, championVersion, window, challenger, champion);
        }

        if (recallLoss > options.MaxRecallLoss)
        {
            return new PromotionDecision(PromotionOutcomes.KeptChallenger,
                string.Create(CultureInfo.InvariantCulture, $"recall drops by {recallLoss:0.0000}, more than the {options.MaxRecallLoss:0.####} allowed: {figures}"),
                challengerVersion, championVersion, window, challenger, champion);
        }

        return new PromotionDecision(PromotionOutcomes.Promoted, $"better: {figures}", challengerVersion, championVersion, window, challenger, champion);
    }

    private async Task RecordAsync(PromotionDecision decision, IExperimentTracker? tracker, TrackedRun? run, CancellationToken cancellationToken)
    {
        var tags = new Dictionary<string, string>
        {
            [RegistryTags.GateDecision] = decision.Outcome,
            [RegistryTags.GateReason] = decision.Reason,
        };
        if (decision.ChampionVersion is { } champion)
        {
            tags[RegistryTags.GateComparedWith] = champion;
        }

        if (decision.Window is { } window)
        {
            tags[RegistryTags.GateWindow] = window;
        }

        await registry.SetVersionTagsAsync(decision.ChallengerVersion, tags, cancellationToken);
        if (tracker is null || run is null)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var metrics = new List<MetricPoint>();
        if (decision.Challenger is { } mine)
        {
            metrics.Add(new("promotion_challenger_average_precision", mine.AveragePrecision, 0, now));
            metrics.Add(new("promotion_challenger_recall", mine.Recall, 0, now));
        }

        if (decision.Champion is { } theirs)
        {
            metrics.Add(new("promotion_champion_average_precision", theirs.AveragePrecision, 0, now));
            metrics.Add(new("promotion_champion_recall", theirs.Recall, 0, now));
        }

        await tracker.LogBatchAsync(run, metrics: metrics, tags: tags, cancellationToken: cancellationToken);
    }
}
