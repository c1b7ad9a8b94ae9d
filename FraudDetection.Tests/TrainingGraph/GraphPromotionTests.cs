using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Tracking;
using FraudDetection.Tests.Registry;
using FraudDetection.Training.GraphModel;
using FraudDetection.Training.Options;
using FraudDetection.Training.Promotion;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>The gate and a version Scoring cannot serve: whatever its figures, it is never champion nor challenger.</summary>
public sealed class GraphPromotionTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-graph-gate");
    private readonly FileModelRegistry _registry;
    private readonly MlflowFileStore _tracker;
    private readonly PrecomputedEvaluator _evaluator = new();
    private readonly PromotionGate _gate;

    public GraphPromotionTests()
    {
        _registry = new FileModelRegistry(_temp.Sub("registry"));
        _tracker = new MlflowFileStore(_temp.Sub("mlruns"));
        _gate = new PromotionGate(_registry, _evaluator, Options.Create(new PromotionOptions()), TimeProvider.System, NullLogger<PromotionGate>.Instance);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<(RegisteredModelVersion Version, TrackedRun Run, PromotionDecision Decision)> RegisterAndGate(string name, ModelReport report)
    {
        var folder = TestModels.WriteFolder(_temp.Sub(name), report);
        var run = await _tracker.StartRunAsync("fraud-detection", name, new Dictionary<string, string>());
        var version = await _registry.RegisterAsync(folder, new Dictionary<string, string> { [RegistryTags.RunId] = run.RunId });
        return (version, run, await _gate.DecideAsync(version, ["window.csv"], _tracker, run, CancellationToken.None));
    }

    private static ModelReport GraphReport(string name, double averagePrecision) => TestModels.Report(name, averagePrecision, 0.9) with
    {
        Trainer = GraphModelTrainer.TrainerName,
        Params = new Dictionary<string, string>
        {
            [ModelServing.ServableParam] = "false",
            [ModelServing.NotServableReasonParam] = GraphModelTrainer.NotServableReason,
        },
    };

    [Fact]
    public async Task A_graph_model_registered_first_is_not_made_champion()
    {
        var (version, run, decision) = await RegisterAndGate("graph", GraphReport("graph", 0.95));

        decision.Outcome.Should().Be(PromotionOutcomes.NotServable);
        decision.BecameChampion.Should().BeFalse();
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias)).Should().BeNull();
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();
        (await _registry.GetVersionAsync(version.Version))!.Tags.Should().Contain(RegistryTags.GateDecision, PromotionOutcomes.NotServable);
        (await _tracker.GetRunAsync(run.RunId))!.Tags.Should().Contain(RegistryTags.GateDecision, PromotionOutcomes.NotServable);
        _evaluator.Evaluated.Should().BeEmpty("a version Scoring cannot load is never scored for the comparison");

        // The next servable version is then the first champion.
        var (lightGbm, _, next) = await RegisterAndGate("lightgbm", TestModels.Report("lightgbm", 0.60, 0.6));
        next.Outcome.Should().Be(PromotionOutcomes.FirstChampion);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(lightGbm.Version);
    }

    [Fact]
    public async Task A_graph_model_with_better_figures_does_not_replace_the_champion()
    {
        var (champion, _, _) = await RegisterAndGate("lightgbm", TestModels.Report("lightgbm", 0.60, 0.6));
        var (_, _, decision) = await RegisterAndGate("graph", GraphReport("graph", 0.95));

        decision.Outcome.Should().Be(PromotionOutcomes.NotServable);
        decision.Reason.Should().StartWith("not servable by Scoring, so never champion").And.Contain(GraphModelTrainer.NotServableReason);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(champion.Version);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();
    }

    [Fact]
    public async Task A_version_whose_report_says_servable_goes_through_the_comparison()
    {
        await RegisterAndGate("lightgbm", TestModels.Report("lightgbm", 0.60, 0.6));
        var servable = TestModels.Report("better", 0.70, 0.6) with { Params = new Dictionary<string, string> { [ModelServing.ServableParam] = "true" } };

        var (better, _, decision) = await RegisterAndGate("better", servable);

        decision.Outcome.Should().Be(PromotionOutcomes.Promoted);
        (await _registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(better.Version);
    }
}
