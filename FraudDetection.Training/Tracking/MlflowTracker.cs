using System.Net.Http.Headers;
using FraudDetection.Core.Registry.Tracking;

namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>Experiment tracking on an MLflow server through its REST API and artifacts proxy.</summary>
public sealed class MlflowTracker(IMlflowApi api, Uri server, TimeProvider? timeProvider = null) : IExperimentTracker
{
    // MLflow's runs/log-batch limits: 1000 metrics, 100 params, 100 tags, 1000 entities in all per request.
    private const int MaxMetricsPerBatch = 1000;
    private const int MaxParamsPerBatch = 100;
    private const int MaxTagsPerBatch = 100;

    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    public string Location => server.ToString();

    public Uri Server => server;

    public async Task<string> GetOrCreateExperimentAsync(string experimentName, CancellationToken cancellationToken = default)
    {
        try
        {
            var found = await MlflowException.CallAsync(server, $"get experiment '{experimentName}'", () => api.GetExperimentByNameAsync(experimentName, cancellationToken));
            return found.Experiment.ExperimentId;
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            try
            {
                var created = await MlflowException.CallAsync(server, $"create experiment '{experimentName}'", () => api.CreateExperimentAsync(new CreateExperimentRequest(experimentName), cancellationToken));
                return created.ExperimentId;
            }
            catch (MlflowException raced) when (raced.IsAlreadyExists)
            {
                var found = await MlflowException.CallAsync(server, $"get experiment '{experimentName}'", () => api.GetExperimentByNameAsync(experimentName, cancellationToken));
                return found.Experiment.ExperimentId;
            }
        }
    }

    public async Task<TrackedRun> StartRunAsync(string experimentName, string runName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        var experimentId = await GetOrCreateExperimentAsync(experimentName, cancellationToken);
        var allTags = new Dictionary<string, string>(tags) { ["mlflow.runName"] = runName, ["mlflow.source.type"] = "LOCAL" };
        var request = new CreateRunRequest(experimentId, runName, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds(), allTags.Select(pair => new MlflowTag(pair.Key, pair.Value)).ToList());
        var response = await MlflowException.CallAsync(server, $"create run in experiment {experimentId}", () => api.CreateRunAsync(request, cancellationToken));
        var info = response.Run.Info;
        return new TrackedRun(info.RunId.Length > 0 ? info.RunId : info.RunUuid ?? "", info.ExperimentId, runName, info.ArtifactUri);
    }

    public async Task LogBatchAsync(TrackedRun run, IReadOnlyDictionary<string, string>? parameters = null, IReadOnlyList<MetricPoint>? metrics = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        var allParams = (parameters ?? new Dictionary<string, string>()).Select(pair => new MlflowParam(pair.Key, pair.Value)).ToList();
        var allTags = (tags ?? new Dictionary<string, string>()).Select(pair => new MlflowTag(pair.Key, pair.Value)).ToList();
        var allMetrics = (metrics ?? []).Select(m => new MlflowMetric(m.Key, m.Value, m.Timestamp.ToUnixTimeMilliseconds(), m.Step)).ToList();

        foreach (var chunk in allParams.Chunk(MaxParamsPerBatch))
        {
            await SendAsync(new LogBatchRequest(run.RunId, [], chunk, []));
        }

        foreach (var chunk in allTags.Chunk(MaxTagsPerBatch))
        {
            await SendAsync(new LogBatchRequest(run.RunId, [], [], chunk));
        }

        foreach (var chunk in allMetrics.Chunk(MaxMetricsPerBatch))
        {
            await SendAsync(new LogBatchRequest(run.RunId, chunk, [], []));
        }

        Task SendAsync(LogBatchRequest request)
            => MlflowException.CallAsync(server, $"log-batch to run {run.RunId}", () => api.LogBatchAsync(request, cancellationToken));
    }

    public async Task LogArtifactsAsync(TrackedRun run, string localDirectory, string artifactPath, CancellationToken cancellationToken = default)
    {
        var root = MlflowConnection.ProxyPath(run.ArtifactUri);
        foreach (var file in Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(localDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            var path = string.Join('/', new[] { root, artifactPath.Trim('/'), relative }.Where(part => part.Length > 0));
            await UploadFileAsync(path, file, cancellationToken);
        }
    }

    internal async Task UploadFileAsync(string proxyPath, string file, CancellationToken cancellationToken)
    {
        // Bytes, not a stream: the resilience handler may send the request again.
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancellationToken));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        await MlflowException.CallAsync(server, $"upload artifact {proxyPath}", () => api.UploadArtifactAsync(proxyPath, content, cancellationToken));
    }

    public async Task DownloadArtifactsAsync(TrackedRun run, string artifactPath, string localDirectory, CancellationToken cancellationToken = default)
    {
        var root = MlflowConnection.ProxyPath(run.ArtifactUri);
        var path = string.Join('/', new[] { root, artifactPath.Trim('/') }.Where(part => part.Length > 0));
        await DownloadTreeAsync(path, localDirectory, cancellationToken);
    }

    /// <summary>Downloads every file under the proxy path <paramref name="proxyPath"/> into <paramref name="localDirectory"/>.</summary>
    internal async Task DownloadTreeAsync(string proxyPath, string localDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(localDirectory);
        var listing = await MlflowException.CallAsync(server, $"list artifacts {proxyPath}", () => api.ListArtifactsAsync(proxyPath, cancellationToken));
        foreach (var entry in listing.Files ?? [])
        {
            // The proxy answers with names relative to the listed folder; older servers with longer paths.
            var name = entry.Path.Split('/').Last();
            if (name is "" or "." or "..")
            {
                continue;
            }

            var childPath = $"{proxyPath}/{name}";
            var localPath = Path.Combine(localDirectory, name);
            if (entry.IsDir)
            {
                await DownloadTreeAsync(childPath, localPath, cancellationToken);
                continue;
            }

            using var response = await MlflowException.CallAsync(server, $"download artifact {childPath}", () => api.DownloadArtifactAsync(childPath, cancellationToken));
            if (!response.IsSuccessStatusCode)
            {
                throw new MlflowException($"MLflow at {server}: download artifact {childPath} failed with {(int)response.StatusCode}", response.StatusCode, null);
            }

            await using var output = File.Create(localPath);
            await response.Content.CopyToAsync(output, cancellationToken);
        }
    }

    public Task EndRunAsync(TrackedRun run, TrackedRunStatus status, CancellationToken cancellationToken = default)
        => MlflowException.CallAsync(server, $"update run {run.RunId}", () => api.UpdateRunAsync(
            new UpdateRunRequest(run.RunId, status.ToString().ToUpperInvariant(), _timeProvider.GetUtcNow().ToUnixTimeMilliseconds()), cancellationToken));

    /// <summary>The run's identity and artifact location, without its data; null when it does not exist.</summary>
    public async Task<TrackedRun?> GetRunInfoAsync(string runId, CancellationToken cancellationToken = default)
    {
        try
        {
            var info = (await MlflowException.CallAsync(server, $"get run {runId}", () => api.GetRunAsync(runId, cancellationToken))).Run.Info;
            return new TrackedRun(info.RunId, info.ExperimentId, info.RunName ?? "", info.ArtifactUri);
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<TrackedRunData?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        MlflowRun found;
        try
        {
            found = (await MlflowException.CallAsync(server, $"get run {runId}", () => api.GetRunAsync(runId, cancellationToken))).Run;
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            return null;
        }

        var info = found.Info;
        var data = found.Data ?? new MlflowRunData();
        var runName = data.Tags?.FirstOrDefault(tag => tag.Key == "mlflow.runName")?.Value ?? info.RunName ?? "";
        var run = new TrackedRun(info.RunId, info.ExperimentId, runName, info.ArtifactUri);
        var artifacts = new List<string>();
        if (info.ArtifactUri.StartsWith("mlflow-artifacts:", StringComparison.Ordinal))
        {
            await ListTreeAsync(MlflowConnection.ProxyPath(info.ArtifactUri), "", artifacts, cancellationToken);
        }

        return new TrackedRunData(
            run,
            Enum.TryParse<TrackedRunStatus>(info.Status, ignoreCase: true, out var status) ? status : TrackedRunStatus.Running,
            DateTimeOffset.FromUnixTimeMilliseconds(info.StartTime ?? 0),
            info.EndTime is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
            (data.Params ?? []).ToDictionary(p => p.Key, p => p.Value),
            (data.Tags ?? []).ToDictionary(t => t.Key, t => t.Value),
            (data.Metrics ?? []).Select(m => new MetricPoint(m.Key, m.Value, m.Step, DateTimeOffset.FromUnixTimeMilliseconds(m.Timestamp))).ToList(),
            artifacts);
    }

    private async Task ListTreeAsync(string proxyPath, string prefix, List<string> into, CancellationToken cancellationToken)
    {
        var listing = await MlflowException.CallAsync(server, $"list artifacts {proxyPath}", () => api.ListArtifactsAsync(proxyPath, cancellationToken));
        foreach (var entry in listing.Files ?? [])
        {
            var name = entry.Path.Split('/').Last();
            if (entry.IsDir)
            {
                await ListTreeAsync($"{proxyPath}/{name}", $"{prefix}{name}/", into, cancellationToken);
            }
            else
            {
                into.Add(prefix + name);
            }
        }
    }
}
