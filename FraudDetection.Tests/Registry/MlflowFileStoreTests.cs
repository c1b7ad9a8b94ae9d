using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.Time.Testing;
using YamlDotNet.Serialization;

namespace FraudDetection.Tests.Registry;

public class MlflowFileStoreTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-mlruns");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_run_is_written_in_mlflows_file_store_layout_and_read_back()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
        var root = Path.Combine(_temp.Path, "mlruns");
        var store = new MlflowFileStore(root, time);
        var report = TestModels.Report("v", averagePrecision: 0.83, recall: 0.7);
        var model = TestModels.WriteFolder(_temp.Sub("model"), report, plots: new Dictionary<string, byte[]> { ["roc_curve.png"] = [1, 2] });

        var run = await store.StartRunAsync("fraud-detection", "nightly", new Dictionary<string, string> { ["trigger"] = "schedule" });
        await store.LogBatchAsync(run, ModelReportTracking.Params(report), ModelReportTracking.Metrics(report, time.GetUtcNow()), new Dictionary<string, string> { ["promotion.decision"] = "promoted" });
        await store.LogArtifactsAsync(run, model, "model");
        time.Advance(TimeSpan.FromMinutes(3));
        await store.EndRunAsync(run, TrackedRunStatus.Finished);

        // The documented layout, read with a YAML parser and plain file reads (what `mlflow ui` does).
        var yaml = new DeserializerBuilder().Build();
        var experiment = yaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(root, run.ExperimentId, "meta.yaml")));
        experiment["name"].Should().Be("fraud-detection");
        experiment["experiment_id"].Should().Be(run.ExperimentId);
        experiment["lifecycle_stage"].Should().Be("active");
        File.Exists(Path.Combine(root, "0", "meta.yaml")).Should().BeTrue("MLflow expects the Default experiment 0");
        File.ReadAllText(Path.Combine(root, run.ExperimentId, "meta.yaml")).Should().MatchRegex($"experiment_id: [\"']{run.ExperimentId}[\"']", "MLflow reads ids as strings");

        var runDirectory = Path.Combine(root, run.ExperimentId, run.RunId);
        var meta = yaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(runDirectory, "meta.yaml")));
        meta["run_id"].Should().Be(run.RunId);
        meta["run_uuid"].Should().Be(run.RunId);
        meta["status"].Should().Be("3", "FINISHED is 3 in MLflow's RunStatus");
        var start = time.GetUtcNow().AddMinutes(-3).ToUnixTimeMilliseconds();
        meta["start_time"].Should().Be(start.ToString());
        meta["end_time"].Should().Be((start + 180_000).ToString());
        meta["artifact_uri"].ToString().Should().StartWith("file://").And.EndWith($"{run.RunId}/artifacts");

        File.ReadAllText(Path.Combine(runDirectory, "params", "num_leaves")).Should().Be("31");
        File.ReadAllText(Path.Combine(runDirectory, "tags", "mlflow.runName")).Should().Be("nightly");
        File.ReadAllText(Path.Combine(runDirectory, "tags", "trigger")).Should().Be("schedule");
        File.ReadAllLines(Path.Combine(runDirectory, "metrics", "validation_curve"))
            .Should().Equal($"{start} 0.5 1", $"{start} 0.6 2", $"{start} 0.83 3");
        File.ReadAllLines(Path.Combine(runDirectory, "metrics", "validation_average_precision")).Should().Equal($"{start} 0.83 0");
        File.Exists(Path.Combine(runDirectory, "artifacts", "model", "model.onnx")).Should().BeTrue();

        var back = await new MlflowFileStore(root).GetRunAsync(run.RunId);
        back!.Status.Should().Be(TrackedRunStatus.Finished);
        back.Run.RunName.Should().Be("nightly");
        back.Params.Should().Contain("learning_rate", "0.05");
        back.Tags.Should().Contain("promotion.decision", "promoted");
        back.Metrics.Where(m => m.Key == "validation_curve").Select(m => m.Step).Should().Equal(1, 2, 3);
        back.Artifacts.Should().BeEquivalentTo("model/model.onnx", "model/metrics.json", "model/roc_curve.png");
        back.EndTime.Should().Be(time.GetUtcNow());
    }

    [Fact]
    public async Task Runs_of_one_experiment_share_it_and_a_second_experiment_gets_the_next_id()
    {
        var store = new MlflowFileStore(Path.Combine(_temp.Path, "mlruns"));
        var first = await store.StartRunAsync("fraud-detection", "a", new Dictionary<string, string>());
        var second = await store.StartRunAsync("fraud-detection", "b", new Dictionary<string, string>());
        var other = await store.StartRunAsync("experiments", "c", new Dictionary<string, string>());

        second.ExperimentId.Should().Be(first.ExperimentId);
        other.ExperimentId.Should().NotBe(first.ExperimentId);
        store.FindExperiment("experiments").Should().Be(other.ExperimentId);
        (await store.GetRunAsync("nope")).Should().BeNull();
    }

    [Fact]
    public async Task A_key_that_would_leave_the_run_folder_is_refused()
    {
        var store = new MlflowFileStore(Path.Combine(_temp.Path, "mlruns"));
        var run = await store.StartRunAsync("fraud-detection", "a", new Dictionary<string, string>());

        var climb = () => store.LogBatchAsync(run, new Dictionary<string, string> { ["../../escape"] = "x" });
        (await climb.Should().ThrowAsync<ArgumentException>()).WithMessage("*not a valid MLflow key*");
        File.Exists(Path.Combine(_temp.Path, "escape")).Should().BeFalse();
    }

    [Fact]
    public async Task The_folder_registry_is_mirrored_as_mlflows_file_store_model_registry()
    {
        var root = Path.Combine(_temp.Path, "mlruns");
        var store = new MlflowFileStore(root);
        var registry = new FileModelRegistry(_temp.Sub("registry"), mirror: store);
        var run = await store.StartRunAsync("fraud-detection", "a", new Dictionary<string, string>());

        var v1 = await registry.RegisterAsync(TestModels.WriteFolder(_temp.Sub("m1"), TestModels.Report("m1", 0.7, 0.6)), new Dictionary<string, string> { [RegistryTags.RunId] = run.RunId });
        await registry.RegisterAsync(TestModels.WriteFolder(_temp.Sub("m2"), TestModels.Report("m2", 0.8, 0.6)), new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChallengerAlias, "1");
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, "2");
        await registry.DeleteAliasAsync(ModelRegistryNames.ChallengerAlias);
        await registry.SetVersionTagsAsync("1", new Dictionary<string, string> { [RegistryTags.GateDecision] = "kept_challenger" });

        var model = Path.Combine(root, "models", ModelRegistryNames.RegisteredModel);
        var yaml = new DeserializerBuilder().Build();
        yaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(model, "meta.yaml")))["name"].Should().Be(ModelRegistryNames.RegisteredModel);
        var version = yaml.Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(model, "version-1", "meta.yaml")));
        version["version"].Should().Be("1");
        version["run_id"].Should().Be(run.RunId);
        version["source"].Should().Be(new Uri(v1.ModelDirectory).AbsoluteUri);
        version["current_stage"].Should().Be("None");
        File.ReadAllText(Path.Combine(model, "version-1", "tags", RegistryTags.GateDecision)).Should().Be("kept_challenger");
        Directory.EnumerateFiles(Path.Combine(model, "aliases")).Select(Path.GetFileName).Should().Equal(ModelRegistryNames.ChampionAlias);
        File.ReadAllText(Path.Combine(model, "aliases", ModelRegistryNames.ChampionAlias)).Should().Be("2");
        (await store.GetRunAsync(run.RunId)).Should().NotBeNull("the models/ folder is not taken for an experiment");
    }
}
