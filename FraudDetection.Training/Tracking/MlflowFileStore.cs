using System.Globalization;
using System.Text;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;

namespace FraudDetection.Training.Tracking;

/// <summary>
/// Experiment tracking in MLflow's file-store layout, so <c>mlflow ui --backend-store-uri &lt;folder&gt;</c> reads it:
/// <code>
/// &lt;root&gt;/&lt;experiment_id&gt;/meta.yaml
/// &lt;root&gt;/&lt;experiment_id&gt;/&lt;run_id&gt;/meta.yaml
///                                   metrics/&lt;key&gt;   lines "timestamp_ms value step"
///                                   params/&lt;key&gt;    the value
///                                   tags/&lt;key&gt;      the value
///                                   artifacts/...
/// </code>
/// Written by hand because no .NET package writes this layout; YamlDotNet writes the meta.yaml files.
/// </summary>
public sealed class MlflowFileStore : IExperimentTracker, IRegistryMirror
{
    public const string DefaultExperimentId = "0";
    private const string MetaFile = "meta.yaml";

    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ISerializer _yamlWriter = new SerializerBuilder().WithQuotingNecessaryStrings().Build();
    private readonly IDeserializer _yamlReader = new DeserializerBuilder().WithNamingConvention(NullNamingConvention.Instance).Build();

    public MlflowFileStore(string rootDirectory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        RootDirectory = Path.GetFullPath(rootDirectory);
        _timeProvider = timeProvider ?? TimeProvider.System;
        Directory.CreateDirectory(RootDirectory);
        Directory.CreateDirectory(Path.Combine(RootDirectory, ".trash"));
        if (!File.Exists(Path.Combine(RootDirectory, DefaultExperimentId, MetaFile)))
        {
            WriteExperiment(DefaultExperimentId, "Default");
        }
    }

    public string RootDirectory { get; }

    public string Location => RootDirectory;

    /// <summary>The id of the experiment called <paramref name="name"/>; null when there is none.</summary>
    public string? FindExperiment(string name)
    {
        foreach (var meta in Directory.EnumerateFiles(RootDirectory, MetaFile, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 }))
        {
            if (Path.GetDirectoryName(Path.GetDirectoryName(meta)) != RootDirectory)
            {
                continue;
            }

            var fields = ReadYaml(meta);
            if (fields.TryGetValue("name", out var value) && value?.ToString() == name && fields.TryGetValue("lifecycle_stage", out var stage) && stage?.ToString() == "active")
            {
                return fields["experiment_id"]?.ToString();
            }
        }

        return null;
    }

    public async Task<TrackedRun> StartRunAsync(string experimentName, string runName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var experimentId = FindExperiment(experimentName) ?? CreateExperiment(experimentName);
            var runId = Guid.NewGuid().ToString("N");
            var runDirectory = Path.Combine(RootDirectory, experimentId, runId);
            foreach (var sub in new[] { "metrics", "params", "tags", "artifacts" })
            {
                Directory.CreateDirectory(Path.Combine(runDirectory, sub));
            }

            var run = new TrackedRun(runId, experimentId, runName, new Uri(Path.Combine(runDirectory, "artifacts")).AbsoluteUri);
            var startTime = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            WriteRunMeta(run, TrackedRunStatus.Running, startTime, endTime: null);
            var allTags = new Dictionary<string, string>(tags)
            {
                ["mlflow.runName"] = runName,
                ["mlflow.source.type"] = "LOCAL",
                ["mlflow.user"] = Environment.UserName,
            };
            WriteValues(Path.Combine(runDirectory, "tags"), allTags);
            return run;
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task LogBatchAsync(TrackedRun run, IReadOnlyDictionary<string, string>? parameters = null, IReadOnlyList<MetricPoint>? metrics = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        var runDirectory = RunDirectory(run);
        if (parameters is not null)
        {
            WriteValues(Path.Combine(runDirectory, "params"), parameters);
        }

        if (tags is not null)
        {
            WriteValues(Path.Combine(runDirectory, "tags"), tags);
        }

        if (metrics is not null)
        {
            foreach (var group in metrics.GroupBy(metric => metric.Key))
            {
                var path = SafePath(Path.Combine(runDirectory, "metrics"), group.Key);
                var lines = new StringBuilder();
                foreach (var point in group)
                {
                    lines.Append(CultureInfo.InvariantCulture, $"{point.Timestamp.ToUnixTimeMilliseconds()} {FormatDouble(point.Value)} {point.Step}\n");
                }

                File.AppendAllText(path, lines.ToString());
            }
        }

        return Task.CompletedTask;
    }

    public Task LogArtifactsAsync(TrackedRun run, string localDirectory, string artifactPath, CancellationToken cancellationToken = default)
    {
        var target = artifactPath.Length == 0 ? Path.Combine(RunDirectory(run), "artifacts") : SafePath(Path.Combine(RunDirectory(run), "artifacts"), artifactPath);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var destination = Path.Combine(target, Path.GetRelativePath(localDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }

        return Task.CompletedTask;
    }

    public Task DownloadArtifactsAsync(TrackedRun run, string artifactPath, string localDirectory, CancellationToken cancellationToken = default)
    {
        var source = artifactPath.Length == 0 ? Path.Combine(RunDirectory(run), "artifacts") : SafePath(Path.Combine(RunDirectory(run), "artifacts"), artifactPath);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(localDirectory, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }

        return Task.CompletedTask;
    }

    public async Task EndRunAsync(TrackedRun run, TrackedRunStatus status, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var fields = ReadYaml(Path.Combine(RunDirectory(run), MetaFile));
            var startTime = Convert.ToInt64(fields["start_time"], CultureInfo.InvariantCulture);
            WriteRunMeta(run, status, startTime, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        }
        finally
        {
            _lock.Release();
        }
    }

    public Task<TrackedRunData?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (runId.Length == 0 || runId.Any(c => !char.IsAsciiLetterOrDigit(c)))
        {
            return Task.FromResult<TrackedRunData?>(null);
        }

        var runDirectory = Directory.EnumerateDirectories(RootDirectory)
            .Select(experiment => Path.Combine(experiment, runId))
            .FirstOrDefault(candidate => File.Exists(Path.Combine(candidate, MetaFile)));
        if (runDirectory is null)
        {
            return Task.FromResult<TrackedRunData?>(null);
        }

        var meta = ReadYaml(Path.Combine(runDirectory, MetaFile));
        var run = new TrackedRun(runId, meta["experiment_id"]!.ToString()!, meta.GetValueOrDefault("run_name")?.ToString() ?? "", meta["artifact_uri"]!.ToString()!);
        var metrics = new List<MetricPoint>();
        var metricsDirectory = Path.Combine(runDirectory, "metrics");
        foreach (var file in Directory.EnumerateFiles(metricsDirectory, "*", SearchOption.AllDirectories))
        {
            var key = Path.GetRelativePath(metricsDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            foreach (var line in File.ReadLines(file).Where(line => line.Length > 0))
            {
                var parts = line.Split(' ');
                metrics.Add(new MetricPoint(
                    key,
                    double.Parse(parts[1], CultureInfo.InvariantCulture),
                    parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0,
                    DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[0], CultureInfo.InvariantCulture))));
            }
        }

        var artifactsDirectory = Path.Combine(runDirectory, "artifacts");
        var artifacts = Directory.EnumerateFiles(artifactsDirectory, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(artifactsDirectory, file).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        var endTime = meta.GetValueOrDefault("end_time")?.ToString() is { Length: > 0 } end ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(end, CultureInfo.InvariantCulture)) : (DateTimeOffset?)null;
        return Task.FromResult<TrackedRunData?>(new TrackedRunData(
            run,
            (TrackedRunStatus)Convert.ToInt32(meta["status"], CultureInfo.InvariantCulture),
            DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(meta["start_time"], CultureInfo.InvariantCulture)),
            endTime,
            ReadValues(Path.Combine(runDirectory, "params")),
            ReadValues(Path.Combine(runDirectory, "tags")),
            metrics,
            artifacts));
    }

    /// <summary>
    /// Writes the registry as MLflow's file-store model registry (<c>models/&lt;name&gt;/{meta.yaml, version-&lt;n&gt;/meta.yaml,
    /// version-&lt;n&gt;/tags/, aliases/&lt;alias&gt;}</c>) so <c>mlflow ui</c> shows the versions and their aliases too. A mirror:
    /// the folder registry stays the source of truth, and this is rewritten from it after every change.
    /// </summary>
    public async Task MirrorRegistryAsync(string modelName, IReadOnlyList<RegisteredModelVersion> versions, CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var modelDirectory = Path.Combine(RootDirectory, "models", modelName);
            Directory.CreateDirectory(modelDirectory);
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            var created = versions.Count == 0 ? now : versions.Min(v => v.CreatedAt).ToUnixTimeMilliseconds();
            WriteYaml(Path.Combine(modelDirectory, MetaFile), new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["creation_timestamp"] = created,
                ["description"] = "Card-fraud classifier (ONNX), trained and promoted by FraudDetection.Training.",
                ["last_updated_timestamp"] = now,
                ["name"] = modelName,
            });

            var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var version in versions)
            {
                var versionDirectory = Path.Combine(modelDirectory, $"version-{version.Version}");
                Directory.CreateDirectory(versionDirectory);
                var createdAt = version.CreatedAt.ToUnixTimeMilliseconds();
                WriteYaml(Path.Combine(versionDirectory, MetaFile), new SortedDictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["creation_timestamp"] = createdAt,
                    ["current_stage"] = "None",
                    ["description"] = "",
                    ["last_updated_timestamp"] = createdAt,
                    ["name"] = modelName,
                    ["run_id"] = version.Tags.GetValueOrDefault(RegistryTags.RunId) ?? "",
                    ["run_link"] = "",
                    ["source"] = new Uri(version.ModelDirectory).AbsoluteUri,
                    ["status"] = "READY",
                    ["status_message"] = "",
                    ["user_id"] = "",
                    ["version"] = long.Parse(version.Version, CultureInfo.InvariantCulture),
                });
                var tags = Path.Combine(versionDirectory, "tags");
                if (Directory.Exists(tags))
                {
                    Directory.Delete(tags, recursive: true);
                }

                WriteValues(tags, version.Tags.Where(tag => IsKey(tag.Key)).ToDictionary(tag => tag.Key, tag => tag.Value));
                foreach (var alias in version.Aliases)
                {
                    aliases[alias] = version.Version;
                }
            }

            var aliasDirectory = Path.Combine(modelDirectory, "aliases");
            Directory.CreateDirectory(aliasDirectory);
            foreach (var stale in Directory.EnumerateFiles(aliasDirectory).Where(file => !aliases.ContainsKey(Path.GetFileName(file))))
            {
                File.Delete(stale);
            }

            WriteValues(aliasDirectory, aliases);
        }
        finally
        {
            _lock.Release();
        }
    }

    private string CreateExperiment(string name)
    {
        var next = Directory.EnumerateDirectories(RootDirectory)
            .Select(Path.GetFileName)
            .Select(id => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : -1)
            .DefaultIfEmpty(0)
            .Max() + 1;
        var id = next.ToString(CultureInfo.InvariantCulture);
        WriteExperiment(id, name);
        return id;
    }

    private void WriteExperiment(string id, string name)
    {
        var directory = Path.Combine(RootDirectory, id);
        Directory.CreateDirectory(directory);
        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        WriteYaml(Path.Combine(directory, MetaFile), new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["artifact_location"] = new Uri(directory).AbsoluteUri,
            ["creation_time"] = now,
            ["experiment_id"] = id,
            ["last_update_time"] = now,
            ["lifecycle_stage"] = "active",
            ["name"] = name,
        });
    }

    private void WriteRunMeta(TrackedRun run, TrackedRunStatus status, long startTime, long? endTime)
    {
        WriteYaml(Path.Combine(RunDirectory(run), MetaFile), new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["artifact_uri"] = run.ArtifactUri,
            ["deleted_time"] = null,
            ["end_time"] = endTime,
            ["entry_point_name"] = "",
            ["experiment_id"] = run.ExperimentId,
            ["lifecycle_stage"] = "active",
            ["run_id"] = run.RunId,
            ["run_name"] = run.RunName,
            ["run_uuid"] = run.RunId,
            ["source_name"] = "",
            ["source_type"] = 4, // LOCAL
            ["source_version"] = "",
            ["start_time"] = startTime,
            ["status"] = (int)status,
            ["tags"] = Array.Empty<string>(),
            ["user_id"] = Environment.UserName,
        });
    }

    private string RunDirectory(TrackedRun run)
    {
        var directory = Path.Combine(RootDirectory, run.ExperimentId, run.RunId);
        return Directory.Exists(directory) ? directory : throw new KeyNotFoundException($"Run {run.RunId} does not exist in '{RootDirectory}'.");
    }

    private void WriteYaml(string path, object content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, _yamlWriter.Serialize(content));
        File.Move(temporary, path, overwrite: true);
    }

    private Dictionary<string, object?> ReadYaml(string path)
        => _yamlReader.Deserialize<Dictionary<string, object?>>(File.ReadAllText(path)) ?? [];

    private static void WriteValues(string directory, IReadOnlyDictionary<string, string> values)
    {
        foreach (var (key, value) in values)
        {
            var path = SafePath(directory, key);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, value);
        }
    }

    private static Dictionary<string, string> ReadValues(string directory)
        => Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(file => Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText, StringComparer.Ordinal);

    private static bool IsKey(string key)
        => key.Length is > 0 and <= 250 && !key.StartsWith('/') && key.Split('/').All(part => part is not ("" or "." or ".."))
           && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ' ' or '/');

    /// <summary>A key as a path under <paramref name="directory"/>; MLflow's key rules (letters, digits, _ - . space /), no climbing out.</summary>
    private static string SafePath(string directory, string key)
    {
        if (!IsKey(key))
        {
            throw new ArgumentException($"'{key}' is not a valid MLflow key (letters, digits, '_', '-', '.', ' ', '/'; no '..').", nameof(key));
        }

        var path = Path.Combine(directory, key.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static string FormatDouble(double value) => double.IsNaN(value) ? "nan" : value.ToString("R", CultureInfo.InvariantCulture);
}
