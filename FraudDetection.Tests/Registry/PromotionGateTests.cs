using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Options;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.Registry;

public class PromotionGateTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-gate");
    private readonly FileModelRegistry _registry;
    private readonly MlflowFileStore _tracker;
    private readonly PrecomputedEvaluator _evaluator = new();
    private readonly PromotionGate _gate;

    public PromotionGateTests()
    {
        _registry = new FileModelRegistry(_temp.Sub("registry"));
        _tracker = new MlflowFileStore(_temp.Sub("mlruns"));
        _gate = new PromotionGate(_registry, _evaluator, Options.Create(new PromotionOptions { MaxRecallLoss = 0.02 }), TimeProvider.System, NullLogger<PromotionGate>.Instance);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<(RegisteredModelVersion Version, TrackedRun Run, PromotionDecision Decision)> TrainAndGate(string name, double averagePrecision, double recall)
    {
        var folder = TestModels.WriteFolder(_temp.Sub(name), TestModels.Report(name, averagePrecision, recall));
        var run = await _tracker.StartRunAsync("fraud-detection", name, new Dictionary<string, string>());
        var version = await _registry.RegisterAsync(folder, new Dictionary<string, string> { [RegistryTags.RunId] = run.RunId });
        var decision = await _gate.DecideAsync(version, ["window.csv"], _tracker, run, CancellationToken.None);
        return (version, run, decision);
    }

    [Fact]
    public async Task The_first_model_becomes_champion()
    {
        var (version, _, decision) = await TrainAndGate("first", 0.70, 0.60);

        decision.Outcome.Should().Be(PromotionOutcomes.FirstChampion);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(version.Version);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();
        _evaluator.Evaluated.Should().BeEmpty("there is nothing to compare with");
    }

    [Fact]
    public async Task A_better_model_is_promoted_and_the_comparison_recorded()
    {
        await TrainAndGate("first", 0.70, 0.60);
        var (better, run, decision) = await TrainAndGate("better", 0.78, 0.595);

        decision.Outcome.Should().Be(PromotionOutcomes.Promoted);
        decision.Reason.Should().Contain("0.7800").And.Contain("0.7000");
        _evaluator.Evaluated.Should().BeEquivalentTo(["2", "1"], "both models are scored on the same window");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(better.Version);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();

        var recorded = await _tracker.GetRunAsync(run.RunId);
        recorded!.Tags.Should().Contain(RegistryTags.GateDecision, PromotionOutcomes.Promoted).And.Contain(RegistryTags.GateComparedWith, "1");
        recorded.Metrics.Should().Contain(m => m.Key == "promotion_champion_average_precision" && m.Value == 0.70);
        recorded.Metrics.Should().Contain(m => m.Key == "promotion_challenger_average_precision" && m.Value == 0.78);
        (await _registry.GetVersionAsync(better.Version))!.Tags.Should().Contain(RegistryTags.GateDecision, PromotionOutcomes.Promoted);
    }

    [Fact]
    public async Task A_worse_model_stays_challenger_with_the_reason()
    {
        await TrainAndGate("first", 0.70, 0.60);
        var (worse, run, decision) = await TrainAndGate("worse", 0.65, 0.62);

        decision.Outcome.Should().Be(PromotionOutcomes.KeptChallenger);
        decision.Reason.Should().StartWith("average precision not better");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias))!.Version.Should().Be(worse.Version);

        var recorded = await _tracker.GetRunAsync(run.RunId);
        recorded!.Tags.Should().Contain(RegistryTags.GateDecision, PromotionOutcomes.KeptChallenger);
        recorded.Tags[RegistryTags.GateReason].Should().Contain("0.6500").And.Contain("0.7000");
        (await _registry.GetVersionAsync(worse.Version))!.Tags[RegistryTags.GateReason].Should().StartWith("average precision not better");
    }

    [Fact]
    public async Task A_model_with_better_precision_but_too_much_recall_lost_stays_challenger()
    {
        await TrainAndGate("first", 0.70, 0.60);
        var (_, _, decision) = await TrainAndGate("recall-loser", 0.75, 0.55);

        decision.Outcome.Should().Be(PromotionOutcomes.KeptChallenger);
        decision.Reason.Should().Contain("recall drops by 0.0500");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
    }

    [Fact]
    public async Task A_champion_of_another_feature_schema_is_replaced_by_a_servable_challenger_without_comparison()
    {
        var old = TestModels.Report("old", 0.95, 0.90) with { FeatureSchemaVersion = "2.0.0+e3abe8e13541" };
        var stale = await _registry.RegisterAsync(TestModels.WriteFolder(_temp.Sub("old"), old), new Dictionary<string, string>());
        await _registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, stale.Version);

        var (fresh, run, decision) = await TrainAndGate("fresh", 0.60, 0.50);

        decision.Outcome.Should().Be(PromotionOutcomes.ReplacedUnservable);
        decision.Reason.Should().Contain("2.0.0+e3abe8e13541").And.Contain(FeatureSchema.Current.Version);
        _evaluator.Evaluated.Should().BeEmpty("a model Scoring refuses has no figures to beat");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(fresh.Version);
        (await _tracker.GetRunAsync(run.RunId))!.Tags.Should().Contain(RegistryTags.GateComparedWith, stale.Version);
    }

    [Fact]
    public async Task A_challenger_of_another_feature_schema_never_becomes_champion()
    {
        await TrainAndGate("first", 0.70, 0.60);
        var folder = TestModels.WriteFolder(_temp.Sub("foreign"), TestModels.Report("foreign", 0.99, 0.99) with { FeatureSchemaVersion = "9.9.9+000000000000" });
        var foreign = await _registry.RegisterAsync(folder, new Dictionary<string, string>());

        var decision = await _gate.DecideAsync(foreign, ["window.csv"], null, null, CancellationToken.None);

        decision.Outcome.Should().Be(PromotionOutcomes.NotServable);
        decision.Reason.Should().Contain("9.9.9+000000000000");
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
    }

    [Theory]
    [InlineData(0.71, 0.60, 0.0, 0.02, true)]
    [InlineData(0.70, 0.60, 0.0, 0.02, false)]   // equal is not better
    [InlineData(0.71, 0.585, 0.0, 0.02, true)]   // 0.015 recall lost: allowed
    [InlineData(0.71, 0.575, 0.0, 0.02, false)]  // 0.025 lost: not
    [InlineData(0.705, 0.60, 0.01, 0.02, false)] // needs more than 0.01 gain
    public void The_rule(double challengerAp, double challengerRecall, double minGain, double maxRecallLoss, bool promoted)
    {
        var champion = new EvaluationMetrics { AveragePrecision = 0.70, Recall = 0.60 };
        var challenger = new EvaluationMetrics { AveragePrecision = challengerAp, Recall = challengerRecall };

        var decision = PromotionGate.Compare("2", "1", "w", challenger, champion, new PromotionOptions { MinAveragePrecisionGain = minGain, MaxRecallLoss = maxRecallLoss });

        decision.BecameChampion.Should().Be(promoted);
    }
}
