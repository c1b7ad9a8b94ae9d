using System.Globalization;
using FraudDetection.Core.Models;

namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>
/// The model registry of an MLflow server: registered model <c>fraud-detector</c>, its versions and aliases.
/// A version's files live in its run's artifacts under <c>model/</c>; readers get them downloaded once into
/// <c>&lt;cache&gt;/&lt;name&gt;/&lt;version&gt;</c> (assembled aside and renamed into place, so never half there).
/// </summary>
public sealed class MlflowModelRegistry : IModelRegistryAdmin
{
    /// <summary>Version tag holding the MLflow run the model came from (also accepted on <see cref="RegisterAsync"/>).</summary>
    public const string RunIdTag = RegistryTags.RunId;
    public const string ModelArtifactPath = "model";

    private readonly IMlflowApi _api;
    private readonly MlflowRunStore _runs;
    private readonly string _cacheDirectory;
    private readonly string _experimentName;
    private readonly string _modelName;
    private readonly Uri _server;
    private volatile bool _registeredModelExists;

    public MlflowModelRegistry(IMlflowApi api, Uri server, string cacheDirectory, string experimentName, TimeProvider? timeProvider = null, string modelName = ModelRegistryNames.RegisteredModel)
    {
        _api = api;
        _server = server;
        _runs = new MlflowRunStore(api, server, timeProvider);
        _cacheDirectory = Path.GetFullPath(cacheDirectory);
        _experimentName = experimentName;
        _modelName = modelName;
    }

    public string Location => _server.ToString();

    public async Task<RegisteredModelVersion?> GetByAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await MlflowException.CallAsync(_server, $"get alias '{alias}' of '{_modelName}'", () => _api.GetModelVersionByAliasAsync(_modelName, alias, cancellationToken));
            return await ToLocalAsync(response.ModelVersion, cancellationToken);
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<RegisteredModelVersion?> GetVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await MlflowException.CallAsync(_server, $"get version {version} of '{_modelName}'", () => _api.GetModelVersionAsync(_modelName, version, cancellationToken));
            return await ToLocalAsync(response.ModelVersion, cancellationToken);
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public async Task<RegisteredModelVersion> RegisterAsync(string modelDirectory, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        var source = Path.GetFullPath(modelDirectory);
        if (!File.Exists(Path.Combine(source, ModelRegistryNames.OnnxFileName)))
        {
            throw new FileNotFoundException($"Cannot register '{source}': it holds no {ModelRegistryNames.OnnxFileName}.", Path.Combine(source, ModelRegistryNames.OnnxFileName));
        }

        await EnsureRegisteredModelAsync(cancellationToken);

        // The model's files go to its run's artifacts; a model trained outside a tracked run gets a run of its own.
        TrackedRun run;
        if (tags.TryGetValue(RunIdTag, out var runId) && runId.Length > 0)
        {
            run = await _runs.GetRunInfoAsync(runId, cancellationToken) ?? throw new KeyNotFoundException($"MLflow run {runId} (tag {RunIdTag}) does not exist on {_server}.");
        }
        else
        {
            run = await _runs.StartRunAsync(_experimentName, $"register-{Path.GetFileName(source)}", new Dictionary<string, string>(), cancellationToken);
            await _runs.EndRunAsync(run, TrackedRunStatus.Finished, cancellationToken);
        }

        await _runs.LogArtifactsAsync(run, source, ModelArtifactPath, cancellationToken);
        var versionTags = new Dictionary<string, string>(tags) { [RunIdTag] = run.RunId };
        var request = new CreateModelVersionRequest(_modelName, $"{run.ArtifactUri.TrimEnd('/')}/{ModelArtifactPath}", run.RunId, versionTags.Select(pair => new MlflowTag(pair.Key, pair.Value)).ToList());
        var created = await MlflowException.CallAsync(_server, $"create a version of '{_modelName}'", () => _api.CreateModelVersionAsync(request, cancellationToken));

        // We hold the files already: fill the cache from them rather than downloading what we just uploaded.
        var version = created.ModelVersion;
        var cached = CachePath(version.Version);
        if (!Directory.Exists(cached))
        {
            await PlaceAsync(cached, staging => CopyDirectoryAsync(source, staging, cancellationToken));
        }

        return ToRecord(version with { Tags = version.Tags ?? request.Tags }, cached);
    }

    public async Task SetAliasAsync(string alias, string version, CancellationToken cancellationToken = default)
    {
        await MlflowException.CallAsync(_server, $"set alias '{alias}' of '{_modelName}' to version {version}", () => _api.SetAliasAsync(new SetAliasRequest(_modelName, alias, version), cancellationToken));
    }

    public async Task DeleteAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        try
        {
            await MlflowException.CallAsync(_server, $"delete alias '{alias}' of '{_modelName}'", () => _api.DeleteAliasAsync(_modelName, alias, new DeleteAliasRequest(_modelName, alias), cancellationToken));
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            // Already unset.
        }
    }

    public async Task SetVersionTagsAsync(string version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        foreach (var (key, value) in tags)
        {
            await MlflowException.CallAsync(_server, $"tag version {version} of '{_modelName}'", () => _api.SetModelVersionTagAsync(new SetModelVersionTagRequest(_modelName, version, key, value), cancellationToken));
        }
    }

    public async Task<IReadOnlyList<RegisteredModelVersion>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        var found = new List<MlflowModelVersion>();
        string? pageToken = null;
        do
        {
            var token = pageToken;
            var page = await MlflowException.CallAsync(_server, $"search versions of '{_modelName}'", () => _api.SearchModelVersionsAsync($"name='{_modelName}'", 200, token, cancellationToken));
            found.AddRange(page.ModelVersions ?? []);
            pageToken = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (pageToken is not null);

        var versions = new List<RegisteredModelVersion>();
        foreach (var version in found.OrderByDescending(v => long.TryParse(v.Version, CultureInfo.InvariantCulture, out var number) ? number : 0))
        {
            versions.Add(await ToLocalAsync(version, cancellationToken));
        }

        return versions;
    }

    private async Task EnsureRegisteredModelAsync(CancellationToken cancellationToken)
    {
        if (_registeredModelExists)
        {
            return;
        }

        try
        {
            await MlflowException.CallAsync(_server, $"get registered model '{_modelName}'", () => _api.GetRegisteredModelAsync(_modelName, cancellationToken));
        }
        catch (MlflowException e) when (e.IsNotFound)
        {
            try
            {
                await MlflowException.CallAsync(_server, $"create registered model '{_modelName}'", () => _api.CreateRegisteredModelAsync(new CreateRegisteredModelRequest(_modelName, "Card-fraud classifier (ONNX), trained and promoted by FraudDetection.Training."), cancellationToken));
            }
            catch (MlflowException raced) when (raced.IsAlreadyExists)
            {
                // Created by another trainer meanwhile.
            }
        }

        _registeredModelExists = true;
    }

    private async Task<RegisteredModelVersion> ToLocalAsync(MlflowModelVersion version, CancellationToken cancellationToken)
    {
        var cached = CachePath(version.Version);
        if (!Directory.Exists(cached))
        {
            var proxyPath = await SourceProxyPathAsync(version, cancellationToken);
            await PlaceAsync(cached, staging => _runs.DownloadTreeAsync(proxyPath, staging, cancellationToken));
            if (!File.Exists(Path.Combine(cached, ModelRegistryNames.OnnxFileName)))
            {
                throw new MlflowException($"Version {version.Version} of '{_modelName}' on {_server} has no {ModelRegistryNames.OnnxFileName} at {version.Source}.", null, null);
            }
        }

        return ToRecord(version, cached);
    }

    private async Task<string> SourceProxyPathAsync(MlflowModelVersion version, CancellationToken cancellationToken)
    {
        const string runsScheme = "runs:/";
        if (version.Source.StartsWith(runsScheme, StringComparison.Ordinal))
        {
            // runs:/<run_id>/<path inside the run's artifacts>
            var rest = version.Source[runsScheme.Length..].Trim('/');
            var slash = rest.IndexOf('/');
            var runId = slash < 0 ? rest : rest[..slash];
            var inner = slash < 0 ? "" : rest[(slash + 1)..];
            var run = await _runs.GetRunInfoAsync(runId, cancellationToken) ?? throw new KeyNotFoundException($"Run {runId} of version {version.Version} does not exist on {_server}.");
            return string.Join('/', new[] { MlflowConnection.ProxyPath(run.ArtifactUri), inner }.Where(part => part.Length > 0));
        }

        return MlflowConnection.ProxyPath(version.Source);
    }

    private string CachePath(string version)
    {
        if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new MlflowException($"MLflow returned a version '{version}' that is not a number.", null, null);
        }

        return Path.Combine(_cacheDirectory, _modelName, version);
    }

    private static async Task PlaceAsync(string target, Func<string, Task> fill)
    {
        var staging = $"{target}.{Guid.NewGuid():N}.partial";
        try
        {
            Directory.CreateDirectory(staging);
            await fill(staging);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another reader placed the same version first; theirs is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static async Task CopyDirectoryAsync(string source, string destination, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var input = File.OpenRead(file);
            await using var output = File.Create(target);
            await input.CopyToAsync(output, cancellationToken);
        }
    }

    private RegisteredModelVersion ToRecord(MlflowModelVersion version, string directory)
        => new(
            _modelName,
            version.Version,
            directory,
            (version.Aliases ?? []).Order(StringComparer.Ordinal).ToList(),
            (version.Tags ?? []).ToDictionary(tag => tag.Key, tag => tag.Value),
            DateTimeOffset.FromUnixTimeMilliseconds(version.CreationTimestamp ?? 0));
}
