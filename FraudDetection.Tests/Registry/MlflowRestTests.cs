using System.Text.Json;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Mlflow;
using FraudDetection.Training.Extensions;
using FraudDetection.Training.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Registry;

public class MlflowRestTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-mlflow");
    private readonly FakeMlflowServer _mlflow = new();

    public void Dispose()
    {
        _mlflow.Dispose();
        _temp.Dispose();
    }

    private IServiceProvider Services(string cache)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:mlflow"] = _mlflow.Url.ToString(),
            ["Registry:CacheDirectory"] = cache,
            ["FraudDetection:DataDirectory"] = _temp.Sub("data"),
        });
        builder.AddExperimentTracking();
        return builder.Build().Services;
    }

    [Fact]
    public async Task A_run_is_logged_with_params_metrics_curve_and_artifacts_and_its_model_registered_and_aliased()
    {
        _mlflow.WithTracking().WithRegistry();
        var services = Services(_temp.Sub("cache"));
        var tracker = services.GetRequiredService<IExperimentTracker>();
        var registry = services.GetRequiredService<IModelRegistryAdmin>();
        tracker.Should().BeOfType<MlflowTracker>("a server is configured");
        registry.Should().BeOfType<MlflowModelRegistry>();

        var report = TestModels.Report("candidate", averagePrecision: 0.81, recall: 0.75);
        var onnx = new byte[] { 1, 2, 3, 4, 5 };
        var folder = TestModels.WriteFolder(_temp.Sub("model"), report, onnx, new Dictionary<string, byte[]> { ["pr_curve.png"] = [0x89, 0x50] });
        var now = DateTimeOffset.UtcNow;

        var run = await tracker.StartRunAsync("fraud-detection", "train", new Dictionary<string, string> { ["trigger"] = "api" });
        await tracker.LogBatchAsync(run, ModelReportTracking.Params(report), ModelReportTracking.Metrics(report, now), new Dictionary<string, string> { ["feature_schema"] = "v1" });
        await tracker.LogArtifactsAsync(run, folder, "");
        var version = await registry.RegisterAsync(folder, new Dictionary<string, string> { [RegistryTags.RunId] = run.RunId });
        await registry.SetAliasAsync(ModelRegistryNames.ChallengerAlias, version.Version);
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, version.Version);
        await registry.DeleteAliasAsync(ModelRegistryNames.ChallengerAlias);
        await tracker.EndRunAsync(run, TrackedRunStatus.Finished);

        run.RunId.Should().Be(FakeMlflowServer.RunId);
        run.ExperimentId.Should().Be(FakeMlflowServer.ExperimentId);
        version.Version.Should().Be("1");
        File.ReadAllBytes(version.OnnxPath).Should().Equal(onnx);

        var requests = _mlflow.Requests.ToList();
        Body(requests, "POST", "/api/2.0/mlflow/experiments/create").GetProperty("name").GetString().Should().Be("fraud-detection");
        var createRun = Body(requests, "POST", "/api/2.0/mlflow/runs/create");
        createRun.GetProperty("experiment_id").GetString().Should().Be(FakeMlflowServer.ExperimentId);
        createRun.GetProperty("tags").EnumerateArray().Should().Contain(tag => tag.GetProperty("key").GetString() == "trigger" && tag.GetProperty("value").GetString() == "api");

        var batches = requests.Where(r => r.Path == "/api/2.0/mlflow/runs/log-batch").Select(r => JsonDocument.Parse(r.Body!).RootElement).ToList();
        batches.Should().OnlyContain(b => b.GetProperty("run_id").GetString() == FakeMlflowServer.RunId);
        var parameters = batches.SelectMany(b => b.GetProperty("params").EnumerateArray()).ToDictionary(p => p.GetProperty("key").GetString()!, p => p.GetProperty("value").GetString());
        parameters.Should().Contain("num_leaves", "31").And.Contain("trainer", "lightgbm").And.Contain("threshold", "0.42");
        var metrics = batches.SelectMany(b => b.GetProperty("metrics").EnumerateArray()).ToList();
        metrics.Should().Contain(m => m.GetProperty("key").GetString() == "validation_average_precision" && m.GetProperty("value").GetDouble() == 0.81);
        metrics.Where(m => m.GetProperty("key").GetString() == ModelReportTracking.ValidationCurveMetric)
            .Select(m => (m.GetProperty("step").GetInt64(), m.GetProperty("value").GetDouble()))
            .Should().Equal((1L, 0.5), (2L, 0.6), (3L, 0.81));
        metrics.Should().OnlyContain(m => m.GetProperty("timestamp").GetInt64() == now.ToUnixTimeMilliseconds());
        batches.SelectMany(b => b.GetProperty("tags").EnumerateArray()).Should().Contain(t => t.GetProperty("key").GetString() == "feature_schema");

        var uploads = requests.Where(r => r.Method == "PUT").ToDictionary(r => r.Path, r => r.BodyBytes);
        uploads.Should().ContainKey($"/api/2.0/mlflow-artifacts/artifacts/{FakeMlflowServer.ArtifactRoot}/model.onnx").WhoseValue.Should().Equal(onnx);
        uploads.Should().ContainKey($"/api/2.0/mlflow-artifacts/artifacts/{FakeMlflowServer.ArtifactRoot}/metrics.json");
        uploads.Should().ContainKey($"/api/2.0/mlflow-artifacts/artifacts/{FakeMlflowServer.ArtifactRoot}/pr_curve.png");
        uploads.Should().ContainKey($"/api/2.0/mlflow-artifacts/artifacts/{FakeMlflowServer.ArtifactRoot}/model/model.onnx", "a version's files sit under the run's model/ folder");

        Body(requests, "POST", "/api/2.0/mlflow/registered-models/create").GetProperty("name").GetString().Should().Be(ModelRegistryNames.RegisteredModel);
        var createVersion = Body(requests, "POST", "/api/2.0/mlflow/model-versions/create");
        createVersion.GetProperty("source").GetString().Should().Be($"mlflow-artifacts:/{FakeMlflowServer.ArtifactRoot}/model");
        createVersion.GetProperty("run_id").GetString().Should().Be(FakeMlflowServer.RunId);

        var aliasMoves = requests.Where(r => r.Path == "/api/2.0/mlflow/registered-models/alias" && r.Method == "POST")
            .Select(r => JsonDocument.Parse(r.Body!).RootElement)
            .Select(b => (b.GetProperty("name").GetString(), b.GetProperty("alias").GetString(), b.GetProperty("version").GetString()))
            .ToList();
        aliasMoves.Should().Equal(("fraud-detector", "challenger", "1"), ("fraud-detector", "champion", "1"));
        requests.Should().Contain(r => r.Method == "DELETE" && r.Path == "/api/2.0/mlflow/registered-models/alias" && r.Query!.Contains("alias=challenger"));

        var update = Body(requests, "POST", "/api/2.0/mlflow/runs/update");
        update.GetProperty("status").GetString().Should().Be("FINISHED");
    }

    [Fact]
    public async Task Scoring_downloads_the_champion_version_once_into_its_cache()
    {
        var onnx = new byte[] { 9, 8, 7, 6 };
        var metrics = """{"model_version":"1"}"""u8.ToArray();
        _mlflow.WithTracking().WithRegistry().WithChampion(new Dictionary<string, byte[]> { [ModelRegistryNames.OnnxFileName] = onnx, [ModelRegistryNames.MetricsFileName] = metrics });
        var cache = _temp.Sub("scoring-cache");
        var registry = Services(cache).GetRequiredService<IModelRegistry>();

        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        var again = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias);
        var listed = await registry.ListVersionsAsync();

        champion!.Version.Should().Be("1");
        champion.Aliases.Should().Equal(ModelRegistryNames.ChampionAlias);
        champion.Tags.Should().Contain(RegistryTags.RunId, FakeMlflowServer.RunId);
        champion.ModelDirectory.Should().StartWith(cache);
        File.ReadAllBytes(champion.OnnxPath).Should().Equal(onnx);
        File.ReadAllBytes(Path.Combine(champion.ModelDirectory, ModelRegistryNames.MetricsFileName)).Should().Equal(metrics);
        again!.ModelDirectory.Should().Be(champion.ModelDirectory);
        listed.Select(v => v.Version).Should().Equal("1");
        _mlflow.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/model/model.onnx")).Should().Be(1, "a cached version is not downloaded again");
    }

    [Fact]
    public async Task A_missing_alias_is_null_and_a_server_error_names_the_call()
    {
        _mlflow.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/api/2.0/mlflow/registered-models/alias").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(404).WithBody("""{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Registered model alias champion not found."}"""));
        _mlflow.Server.Given(WireMock.RequestBuilders.Request.Create().WithPath("/api/2.0/mlflow/model-versions/get").UsingGet())
            .RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(400).WithBody("""{"error_code":"INVALID_PARAMETER_VALUE","message":"Version must be an integer"}"""));
        var registry = (IModelRegistryAdmin)Services(_temp.Sub("cache")).GetRequiredService<IModelRegistry>();

        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias)).Should().BeNull();
        var get = () => registry.GetVersionAsync("2");
        (await get.Should().ThrowAsync<MlflowException>()).WithMessage("*get version 2 of 'fraud-detector'*400*INVALID_PARAMETER_VALUE*Version must be an integer*");
    }

    [Fact]
    public void A_connection_string_that_is_not_a_url_is_refused_clearly()
    {
        MlflowConnection.Parse("Endpoint=http://mlflow:5000").Should().Be(new Uri("http://mlflow:5000"));
        MlflowConnection.Parse(" ").Should().BeNull();
        var bad = () => MlflowConnection.Parse("mlflow:5000");
        bad.Should().Throw<InvalidOperationException>().WithMessage("*ConnectionStrings:mlflow must be an http(s) URL*");
        MlflowConnection.ProxyPath("mlflow-artifacts:/1/abc/artifacts").Should().Be("1/abc/artifacts");
        MlflowConnection.ProxyPath("mlflow-artifacts://mlflow:5000/1/abc/artifacts").Should().Be("1/abc/artifacts");
    }

    private static JsonElement Body(List<(string Method, string Path, string? Query, string? Body, byte[]? BodyBytes)> requests, string method, string path)
        => JsonDocument.Parse(requests.Single(r => r.Method == method && r.Path == path).Body!).RootElement;
}
