using System.Net.Http.Headers;

namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>
/// Runs and their artifacts on an MLflow server (REST API and artifacts proxy): what the MLflow model registry needs,
/// since a version's files live in its run's artifacts. Training's tracker builds on it for params and metrics.
/// </summary>
public sealed class MlflowRunStore(IMlflowApi api, Uri server, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

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

    public async Task UploadFileAsync(string proxyPath, string file, CancellationToken cancellationToken)
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
    public async Task DownloadTreeAsync(string proxyPath, string localDirectory, CancellationToken cancellationToken)
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
}
