using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Mlflow;

namespace FraudDetection.Training.Tracking;

/// <summary>
/// Experiment tracking on an MLflow server through its REST API and artifacts proxy: runs and artifacts through
/// <see cref="MlflowRunStore"/> (the registry keeps model versions there too), params, metrics and tags here.
/// </summary>
public sealed class MlflowTracker(IMlflowApi api, Uri server, TimeProvider? timeProvider = null) : IExperimentTracker
{
    // MLflow's runs/log-batch limits: 1000 metrics, 100 params, 100 tags, 1000 entities in all per request.
    private const int MaxMetricsPerBatch = 1000;
    private const int MaxParamsPerBatch = 100;
    private const int MaxTagsPerBatch = 100;

    private readonly MlflowRunStore _runs = new(api, server, timeProvider);

    public string Location => server.ToString();

    public Uri Server => server;

    public Task<TrackedRun> StartRunAsync(string experimentName, string runName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
        => _runs.StartRunAsync(experimentName, runName, tags, cancellationToken);

    public Task EndRunAsync(TrackedRun run, TrackedRunStatus status, CancellationToken cancellationToken = default)
        => _runs.EndRunAsync(run, status, cancellationToken);

    public Task LogArtifactsAsync(TrackedRun run, string localDirectory, string artifactPath, CancellationToken cancellationToken = default)
        => _runs.LogArtifactsAsync(run, localDirectory, artifactPath, cancellationToken);

    public Task DownloadArtifactsAsync(TrackedRun run, string artifactPath, string localDirectory, CancellationToken cancellationToken = default)
        => _runs.DownloadArtifactsAsync(run, artifactPath, localDirectory, cancellationToken);

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
