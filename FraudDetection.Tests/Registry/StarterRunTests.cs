using System.Net;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;

namespace FraudDetection.Tests.Registry;

/// <summary>The starter run (no champion at start) takes the quicker <c>Training:Starter</c> parameters; other runs do not.</summary>
public sealed class StarterRunTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-starter-run");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task The_starter_run_trains_with_the_starter_parameters_and_a_later_run_with_the_usual_ones()
    {
        var job = new ScriptedTrainingJob().Then(0.80, 0.70).Then(0.90, 0.80);
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["Training:TrainStarterModel"] = "true",
            ["Training:Trees"] = "40",
            ["Training:Starter:Trees"] = "30",
            ["Training:Starter:LearningRate"] = "0.1",
            ["Training:Starter:ShapRows"] = "100",
            ["Training:Starter:ValidationDays"] = "14",
        }, job, new PrecomputedEvaluator());

        var starter = (await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(20))).Should().ContainSingle().Subject;
        starter.Trigger.Should().Be(StarterModelService.Trigger);
        (await host.WaitForRunAsync(starter.Id)).Decision.Should().Be(PromotionOutcomes.FirstChampion);

        using var response = await host.Client.PostAsync("/api/training/runs", null);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var later = (await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(5))).First(r => r.Id != starter.Id);
        (await host.WaitForRunAsync(later.Id)).State.Should().Be(TrainingRunState.Succeeded);

        var requests = job.Requests.ToList();
        requests.Should().HaveCount(2);
        requests[0].Parameters.Should().NotBeNull();
        requests[0].Parameters!.Trees.Should().Be(30);
        requests[0].Parameters!.LearningRate.Should().Be(0.1);
        requests[0].ShapRows.Should().Be(100);
        requests[0].ValidationDays.Should().Be(14);
        requests[1].Parameters.Should().BeNull("an API run keeps the host's options (Training:Trees applies in the job)");
        requests[1].ShapRows.Should().BeNull();
        requests[1].ValidationDays.Should().BeNull();
    }

    [Theory]
    [InlineData("2.0.0+e3abe8e13541", true)]
    [InlineData(null, false)]
    public async Task A_champion_Scoring_cannot_serve_is_replaced_by_a_starter_run_at_start(string? championSchema, bool starterExpected)
    {
        var registry = new FileModelRegistry(Path.Combine(_temp.Path, "data", "registry"));
        var report = TestModels.Report("kept", 0.95, 0.90);
        var kept = await registry.RegisterAsync(
            TestModels.WriteFolder(_temp.Sub("kept"), championSchema is null ? report : report with { FeatureSchemaVersion = championSchema }),
            new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, kept.Version);

        var job = new ScriptedTrainingJob().Then(0.60, 0.50);
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?> { ["Training:TrainStarterModel"] = "true" }, job, new PrecomputedEvaluator());

        var runs = await host.WaitForQueuedRunsAsync(TimeSpan.FromSeconds(starterExpected ? 20 : 3));
        if (!starterExpected)
        {
            runs.Should().BeEmpty("a champion of this build's schema needs no starter model");
            (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be(kept.Version);
            return;
        }

        var starter = runs.Should().ContainSingle().Subject;
        starter.Trigger.Should().Be(StarterModelService.Trigger);
        (await host.WaitForRunAsync(starter.Id)).Decision.Should().Be(PromotionOutcomes.ReplacedUnservable);
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().NotBe(kept.Version);
    }
}
