using System.Net;
using System.Net.Http.Json;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.Registry;

public class TrainingRunApiTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-training-host");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Runs_started_through_the_api_are_tracked_registered_and_gated()
    {
        var job = new ScriptedTrainingJob().Then(0.70, 0.60).Then(0.66, 0.61);
        await using var host = await TrainingHost.StartAsync(_temp.Path, job: job, evaluator: new PrecomputedEvaluator());

        var started = await host.Client.PostAsync("/api/training/runs", null);
        started.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var queued = await started.Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        started.Headers.Location!.ToString().Should().Be($"/api/training/runs/{queued!.Id}");
        var first = await host.WaitForRunAsync(queued.Id);

        first.State.Should().Be(TrainingRunState.Succeeded, first.Error);
        first.Trigger.Should().Be("api");
        first.ModelVersion.Should().Be("1");
        first.Decision.Should().Be(PromotionOutcomes.FirstChampion);
        first.Log.Should().Contain(line => line.Contains("preflight passed")).And.Contain(line => line.Contains("training on 1 file(s)"));

        var second = await host.WaitForRunAsync((await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions))!.Id);
        second.Decision.Should().Be(PromotionOutcomes.KeptChallenger);
        second.DecisionReason.Should().Contain("average precision not better");

        var registry = host.App.Services.GetRequiredService<IModelRegistryAdmin>();
        registry.Should().BeOfType<FileModelRegistry>("no MLflow server is configured");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias))!.Version.Should().Be("2");

        var tracker = host.App.Services.GetRequiredService<IExperimentTracker>().Should().BeOfType<MlflowFileStore>().Subject;
        tracker.RootDirectory.Should().Be(Path.Combine(_temp.Path, "data", "mlruns"));
        var run = await tracker.GetRunAsync(second.TrackedRunId!);
        run!.Status.Should().Be(TrackedRunStatus.Finished);
        run.Tags.Should().Contain("trigger", "api").And.Contain("model_version", "2").And.Contain(RegistryTags.GateDecision, PromotionOutcomes.KeptChallenger);
        run.Params.Should().Contain("num_leaves", "31");
        run.Metrics.Should().Contain(m => m.Key == "validation_average_precision" && m.Value == 0.66);
        run.Artifacts.Should().Contain(["model.onnx", "metrics.json", "feature_schema.json"]);

        var runs = await host.Client.GetFromJsonAsync<List<TrainingRunStatus>>("/api/training/runs", TrainingHost.JsonOptions);
        runs!.Select(r => r.Id).Should().Equal(second.Id, first.Id);
        (await host.Client.GetAsync("/api/training/runs/nope")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_failing_training_job_fails_the_run_and_the_tracked_run_with_its_error()
    {
        var job = new ScriptedTrainingJob(); // nothing queued: the job throws
        await using var host = await TrainingHost.StartAsync(_temp.Path, job: job, evaluator: new PrecomputedEvaluator());

        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        var run = await host.WaitForRunAsync(queued!.Id);

        run.State.Should().Be(TrainingRunState.Failed);
        run.Error.Should().Contain("the test queued no more models");
        var tracked = await host.App.Services.GetRequiredService<IExperimentTracker>().GetRunAsync(run.TrackedRunId!);
        tracked!.Status.Should().Be(TrackedRunStatus.Failed);
        tracked.Tags["error"].Should().Contain("the test queued no more models");
        var health = await host.App.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync();
        health.Entries["training"].Status.Should().Be(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded);
        health.Entries["training"].Description.Should().Contain("the test queued no more models");
    }

    [Fact]
    public async Task With_an_mlflow_server_configured_runs_models_and_aliases_go_to_mlflow()
    {
        using var mlflow = new FakeMlflowServer().WithTracking().WithRegistry();
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>
        {
            ["ConnectionStrings:mlflow"] = mlflow.Url.ToString(),
            ["Training:PreflightTimeout"] = "00:00:20", // a cold WireMock on a loaded machine can be slow to answer first
        }, new ScriptedTrainingJob().Then(0.8, 0.7), new PrecomputedEvaluator());

        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        var run = await host.WaitForRunAsync(queued!.Id);

        run.State.Should().Be(TrainingRunState.Succeeded, run.Error);
        run.TrackedRunId.Should().Be(FakeMlflowServer.RunId);
        run.ModelVersion.Should().Be("1");
        run.Decision.Should().Be(PromotionOutcomes.FirstChampion, "the server has no champion alias yet");
        var requests = mlflow.Requests.ToList();
        requests.Should().Contain(r => r.Method == "PUT" && r.Path.EndsWith($"{FakeMlflowServer.ArtifactRoot}/model/model.onnx"));
        requests.Where(r => r.Path == "/api/2.0/mlflow/registered-models/alias" && r.Method == "POST").Select(r => r.Body)
            .Should().SatisfyRespectively(
                challenger => challenger.Should().Contain("\"alias\":\"challenger\""),
                champion => champion.Should().Contain("\"alias\":\"champion\""));
        requests.Should().Contain(r => r.Path == "/api/2.0/mlflow/runs/update" && r.Body!.Contains("FINISHED"));
        requests.Should().Contain(r => r.Path == "/api/2.0/mlflow/runs/log-batch" && r.Body!.Contains(RegistryTags.GateDecision));
        Directory.Exists(Path.Combine(_temp.Path, "data", "mlruns")).Should().BeFalse("the file store is the fallback, not used when a server is configured");
    }

    [Fact]
    public async Task A_run_cut_short_by_the_host_stopping_is_closed_as_killed()
    {
        var job = new EndlessTrainingJob();
        var host = await TrainingHost.StartAsync(_temp.Path, job: job, evaluator: new PrecomputedEvaluator());
        var tracker = host.App.Services.GetRequiredService<IExperimentTracker>();
        var queue = host.App.Services.GetRequiredService<TrainingRunQueue>();

        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        await job.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await host.DisposeAsync();

        var run = queue.Get(queued!.Id)!;
        run.State.Should().Be(TrainingRunState.Failed);
        run.Error.Should().Be("stopped with the host");
        (await tracker.GetRunAsync(run.TrackedRunId!))!.Status.Should().Be(TrackedRunStatus.Killed);
    }
}
