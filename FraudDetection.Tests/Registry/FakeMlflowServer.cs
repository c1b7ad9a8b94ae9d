using WireMock.Matchers;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace FraudDetection.Tests.Registry;

/// <summary>
/// A WireMock.Net fake of an MLflow tracking server's REST API (2.0) and artifacts proxy, answering with the
/// shapes of MLflow's REST documentation: experiment 7 does not exist until created, run <see cref="RunId"/>,
/// registered model <c>fraud-detector</c> missing until created, version 1, alias champion.
/// </summary>
internal sealed class FakeMlflowServer : IDisposable
{
    public const string ExperimentId = "7";
    public const string RunId = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    public const string ArtifactRoot = $"{ExperimentId}/{RunId}/artifacts";

    public FakeMlflowServer()
    {
        var port = TestNetwork.FreePort();
        Server = WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://127.0.0.1:{port}"] });
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public WireMockServer Server { get; }

    public Uri Url { get; }

    public FakeMlflowServer WithTracking()
    {
        Json("/api/2.0/mlflow/experiments/get-by-name", "GET", 404, """{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Could not find experiment with name 'fraud-detection'"}""");
        Json("/api/2.0/mlflow/experiments/create", "POST", 200, $$"""{"experiment_id":"{{ExperimentId}}"}""");
        Json("/api/2.0/mlflow/runs/create", "POST", 200, """
            {"run":{"info":{"run_id":"@RunId@","run_uuid":"@RunId@","experiment_id":"@ExperimentId@","run_name":"train",
            "status":"RUNNING","start_time":1764039600000,"artifact_uri":"mlflow-artifacts:/@ArtifactRoot@","lifecycle_stage":"active"},
            "data":{"tags":[{"key":"mlflow.runName","value":"train"}]}}}
            """.Fill());
        Json("/api/2.0/mlflow/runs/get", "GET", 200, """
            {"run":{"info":{"run_id":"@RunId@","experiment_id":"@ExperimentId@","status":"RUNNING","start_time":"1764039600000",
            "artifact_uri":"mlflow-artifacts:/@ArtifactRoot@"},"data":{"tags":[{"key":"mlflow.runName","value":"train"}]}}}
            """.Fill());
        Json("/api/2.0/mlflow/runs/log-batch", "POST", 200, "{}");
        Json("/api/2.0/mlflow/runs/update", "POST", 200, """{"run_info":{"run_id":"@RunId@","status":"FINISHED"}}""".Fill());
        Server.Given(Request.Create().WithPath(new WildcardMatcher("/api/2.0/mlflow-artifacts/artifacts/*")).UsingPut())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{}"));
        return this;
    }

    public FakeMlflowServer WithRegistry()
    {
        Json("/api/2.0/mlflow/registered-models/get", "GET", 404, """{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Registered Model with name=fraud-detector not found"}""");
        Json("/api/2.0/mlflow/registered-models/create", "POST", 200, """{"registered_model":{"name":"fraud-detector","creation_timestamp":1764039600000}}""");
        Json("/api/2.0/mlflow/model-versions/create", "POST", 200, VersionJson(aliases: "[]"));
        Json("/api/2.0/mlflow/registered-models/alias", "POST", 200, "{}");
        Json("/api/2.0/mlflow/registered-models/alias", "DELETE", 200, "{}");
        Json("/api/2.0/mlflow/model-versions/set-tag", "POST", 200, "{}");
        Server.Given(Request.Create().WithPath("/api/2.0/mlflow/model-versions/search").UsingGet()).AtPriority(100)
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("{}"));
        return this;
    }

    /// <summary>Serves version 1 as the champion with <paramref name="files"/> under the run's artifacts/model.</summary>
    public FakeMlflowServer WithChampion(IReadOnlyDictionary<string, byte[]> files)
    {
        Json("/api/2.0/mlflow/registered-models/alias", "GET", 200, VersionJson(aliases: """["champion"]"""));
        Json("/api/2.0/mlflow/model-versions/search", "GET", 200, $$"""{"model_versions":[{{VersionJson(aliases: """["champion"]""")[17..^1]}}]}""");
        var listing = string.Join(',', files.Select(file => "{\"path\":\"" + file.Key + "\",\"is_dir\":false,\"file_size\":" + file.Value.Length + "}"));
        Server.Given(Request.Create().WithPath("/api/2.0/mlflow-artifacts/artifacts").WithParam("path", $"{ArtifactRoot}/model").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody($$"""{"files":[{{listing}}]}"""));
        foreach (var (name, content) in files)
        {
            Server.Given(Request.Create().WithPath($"/api/2.0/mlflow-artifacts/artifacts/{ArtifactRoot}/model/{name}").UsingGet())
                .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/octet-stream").WithBody(content));
        }

        return this;
    }

    public IEnumerable<(string Method, string Path, string? Query, string? Body, byte[]? BodyBytes)> Requests
        => Server.LogEntries.Select(entry => (entry.RequestMessage!.Method, entry.RequestMessage.AbsolutePath, (string?)entry.RequestMessage.RawQuery, entry.RequestMessage.Body, entry.RequestMessage.BodyAsBytes));

    public void Dispose() => Server.Stop();

    private static string VersionJson(string aliases) => """
        {"model_version":{"name":"fraud-detector","version":"1","creation_timestamp":1764039600000,"last_updated_timestamp":1764039600000,
        "current_stage":"None","source":"mlflow-artifacts:/@ArtifactRoot@/model","run_id":"@RunId@","status":"READY",
        "tags":[{"key":"run_id","value":"@RunId@"}],"aliases":@aliases@}}
        """.Fill().Replace("@aliases@", aliases);

    private void Json(string path, string method, int status, string body)
        => Server.Given(Request.Create().WithPath(path).UsingMethod(method))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json").WithBody(body));

}

internal static class FakeMlflowJson
{
    /// <summary>Puts the fake's ids into a JSON template (@RunId@, @ExperimentId@, @ArtifactRoot@).</summary>
    public static string Fill(this string template) => template
        .Replace("@RunId@", FakeMlflowServer.RunId)
        .Replace("@ExperimentId@", FakeMlflowServer.ExperimentId)
        .Replace("@ArtifactRoot@", FakeMlflowServer.ArtifactRoot);
}
