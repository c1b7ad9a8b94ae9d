using System.Net.Http.Json;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.Registry;

/// <summary>The host with the real training library and window evaluator, on real Kaggle rows (FraudDetection.Tests/TestData/kaggle).</summary>
[Trait("Category", "Integration")]
public class RealTrainingTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-real-training");

    public void Dispose() => _temp.Dispose();

    private static string Slice(string name) => RepoPaths.KaggleSlice(name);

    [Fact]
    public async Task A_starter_model_is_trained_when_no_champion_exists_and_a_same_quality_retrain_stays_challenger()
    {
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["Training:DataFiles:0"] = Slice("fraudTrain.head.csv"),
            ["Training:DataFiles:1"] = Slice("fraudTest.head.csv"),
            ["Training:TrainStarterModel"] = "true",
            ["Training:ValidationDays"] = "1",
            ["Training:Trees"] = "40",
            ["Training:ShapRows"] = "300",
            ["Training:Promotion:WindowDays"] = "1",
        });

        // The starter run is queued by the host itself.
        var runs = await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(20));
        var starter = await host.WaitForRunAsync(runs.Single().Id, TimeSpan.FromSeconds(120));
        starter.Trigger.Should().Be("starter");
        starter.State.Should().Be(TrainingRunState.Succeeded, starter.Error);
        starter.Decision.Should().Be(PromotionOutcomes.FirstChampion);

        var registry = host.App.Services.GetRequiredService<IModelRegistryAdmin>();
        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        champion!.Version.Should().Be("1");
        using (var model = FraudModel.Load(champion.OnnxPath, FraudDetection.Core.Features.FeatureSchema.Current))
        {
            model.Threshold.Should().BeInRange(0, 1);
        }

        Directory.EnumerateFiles(champion.ModelDirectory, "*.png").Should().NotBeEmpty("the training library writes its plots into the model folder");
        var tracked = await host.App.Services.GetRequiredService<IExperimentTracker>().GetRunAsync(starter.TrackedRunId!);
        tracked!.Metrics.Should().Contain(m => m.Key == ModelReportTracking.ValidationCurveMetric && m.Step > 1, "the per-iteration validation curve is logged as steps");

        // Same data, same seed: the same model again, which is not better, so it stays challenger.
        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        var retrain = await host.WaitForRunAsync(queued!.Id, TimeSpan.FromSeconds(120));
        retrain.State.Should().Be(TrainingRunState.Succeeded, retrain.Error);
        retrain.Decision.Should().Be(PromotionOutcomes.KeptChallenger);
        retrain.DecisionReason.Should().StartWith("average precision not better").And.Contain("2020-06-21");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias))!.Version.Should().Be("2");

        var page = await host.Client.GetStringAsync("/models/2");
        page.Should().Contain("kept_challenger").And.Contain("<img class=\"plot\"");
    }
}
