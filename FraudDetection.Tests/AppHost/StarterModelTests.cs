using FraudDetection.AppHost.Dashboard;
using FraudDetection.AppHost.Embedded;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Tests.Registry;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The AppHost's starter model (trained in-process before the services start) and the Training host's starter run
/// (queued, run by the worker) go through the same train → track → register → gate code, so they leave the same
/// registry and tracking outcome. Real training on the shared Kaggle slices.
/// </summary>
public class StarterModelTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-apphost-starter");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_AppHost_starter_model_leaves_the_same_registry_outcome_as_the_Training_hosts_starter_run_and_is_reused()
    {
        var data = await LabelledSampleAsync();

        // The Training host: its StarterModelService queues a run at start, the worker runs it.
        await using var host = await TrainingHost.StartAsync(_temp.Sub("training-host"), new Dictionary<string, string?>
        {
            ["Training:DataFiles:0"] = data,
            ["Training:TrainStarterModel"] = "true",
            ["Training:Trees"] = "40",
            ["Training:ShapRows"] = "300",
        });
        var runs = await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(20));
        var starter = await host.WaitForRunAsync(runs.Single().Id, TimeSpan.FromSeconds(120));
        starter.State.Should().Be(TrainingRunState.Succeeded, starter.Error);
        starter.Decision.Should().Be(PromotionOutcomes.FirstChampion);
        var hostOutcome = await OutcomeAsync(host.App.Services);

        // The AppHost: before any service starts, with the settings the services get.
        var settings = new Dictionary<string, string?> { [DataPaths.ConfigurationKey] = _temp.Sub("apphost-data") };
        var resource = new ResourceCatalog()[ResourceCatalog.ModelRegistry];
        await StarterModel.EnsureChampionAsync(settings, data, resource, CancellationToken.None);
        resource.State.Should().Be("Running");
        await using var services = StarterModel.OpenTraining(settings);
        var appHostOutcome = await OutcomeAsync(services);
        resource.ExtraEndpoints.Should().Contain(services.GetRequiredService<IModelRegistryAdmin>().Location);

        appHostOutcome.Trigger.Should().Be(StarterModel.Trigger);
        hostOutcome.Trigger.Should().Be("starter");
        appHostOutcome.Should().BeEquivalentTo(hostOutcome, options => options.Excluding(o => o.Trigger).Excluding(o => o.RunTagKeys).Excluding(o => o.Params),
            "both starters are registered, tracked and promoted by the same pipeline");
        appHostOutcome.RunTagKeys.Should().BeEquivalentTo(hostOutcome.RunTagKeys.Where(key => key != "training_run_id"),
            "only a queued run has a queue id");
        appHostOutcome.Params.Keys.Should().BeEquivalentTo(hostOutcome.Params.Keys);
        appHostOutcome.Params.Should().Contain("trees", "120").And.Contain("learning_rate", "0.1",
            "the AppHost's quick starter parameters replace the Training options for its run");
        hostOutcome.Params.Should().Contain("trees", "40");

        // A second start finds the champion and trains nothing.
        await StarterModel.EnsureChampionAsync(settings, data, null, CancellationToken.None);
        (await services.GetRequiredService<IModelRegistryAdmin>().ListVersionsAsync()).Should().ContainSingle();
    }

    [Fact]
    public async Task A_champion_whose_model_file_is_gone_is_replaced_by_a_new_starter_champion()
    {
        var settings = new Dictionary<string, string?> { [DataPaths.ConfigurationKey] = _temp.Sub("apphost-data") };
        var data = await LabelledSampleAsync();
        await StarterModel.EnsureChampionAsync(settings, data, null, CancellationToken.None);
        await using var services = StarterModel.OpenTraining(settings);
        var registry = services.GetRequiredService<IModelRegistryAdmin>();
        var first = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        File.Delete(first!.OnnxPath);

        await StarterModel.EnsureChampionAsync(settings, data, null, CancellationToken.None);

        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        champion!.Version.Should().Be("2");
        File.Exists(champion.OnnxPath).Should().BeTrue();
        champion.Tags[RegistryTags.GateDecision].Should().Be(PromotionOutcomes.FirstChampion, "the alias of the lost model was dropped before the gate");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull();
    }

    /// <summary>One labelled file (the AppHost trains on one sample): the Kaggle train slice, then the test slice, which the default 28-day window validates on.</summary>
    private async Task<string> LabelledSampleAsync()
    {
        var data = Path.Combine(_temp.Path, "labelled.csv");
        var train = await File.ReadAllLinesAsync(RepoPaths.KaggleSlice("fraudTrain.head.csv"));
        var test = await File.ReadAllLinesAsync(RepoPaths.KaggleSlice("fraudTest.head.csv"));
        await File.WriteAllLinesAsync(data, [.. train, .. test.Skip(1)]);
        return data;
    }

    /// <summary>What a starter left in the registry and the run store, in comparable form.</summary>
    private sealed record StarterOutcome(
        string Version,
        IReadOnlyList<string> Aliases,
        bool ChallengerAliasSet,
        string Trigger,
        IReadOnlyList<string> VersionTagKeys,
        string? GateDecision,
        TrackedRunStatus RunStatus,
        IReadOnlyDictionary<string, string> Params,
        IReadOnlyList<string> MetricKeys,
        IReadOnlyList<string> RunTagKeys,
        string? RunModelVersion,
        string? RunGateDecision,
        IReadOnlyList<string> Artifacts);

    private static async Task<StarterOutcome> OutcomeAsync(IServiceProvider services)
    {
        var registry = services.GetRequiredService<IModelRegistryAdmin>();
        var versions = await registry.ListVersionsAsync();
        versions.Should().ContainSingle("a starter registers one version");
        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        champion.Should().NotBeNull("the starter is champion");
        File.Exists(champion!.OnnxPath).Should().BeTrue();
        File.Exists(Path.Combine(champion.ModelDirectory, ModelRegistryNames.MetricsFileName)).Should().BeTrue();

        var run = await services.GetRequiredService<IExperimentTracker>().GetRunAsync(champion.Tags[RegistryTags.RunId]);
        run.Should().NotBeNull("the version names its tracked run");
        return new StarterOutcome(
            champion.Version,
            [.. champion.Aliases.Order()],
            await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias) is not null,
            champion.Tags["trigger"],
            [.. champion.Tags.Keys.Order()],
            champion.Tags.GetValueOrDefault(RegistryTags.GateDecision),
            run!.Status,
            run.Params,
            [.. run.Metrics.Select(m => m.Key).Distinct().Order()],
            [.. run.Tags.Keys.Order()],
            run.Tags.GetValueOrDefault("model_version"),
            run.Tags.GetValueOrDefault(RegistryTags.GateDecision),
            [.. run.Artifacts.Order()]);
    }
}
