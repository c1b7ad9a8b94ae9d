using System.Text.Json;
using System.Text.Json.Serialization;
using FraudDetection.Core.Models;

namespace FraudDetection.Core.Registry;

/// <summary>
/// The embedded model registry: a folder per registered model, a folder per version, a file per alias.
/// <code>
/// &lt;root&gt;/fraud-detector/versions/1/{model.onnx, metrics.json, *.png, version.json}
/// &lt;root&gt;/fraud-detector/aliases/champion      (text: the version number)
/// </code>
/// Versions are assembled in a staging folder and renamed into place, and alias files are written to a temporary
/// file and renamed over the old one, so a reader polling from another thread or process sees the old state or
/// the new one, never a half-copied version or an empty alias.
/// </summary>
public sealed class FileModelRegistry : IModelRegistryAdmin
{
    public const string VersionFileName = "version.json";
    private const string StagingFolder = ".staging";

    private readonly string _modelRoot;
    private readonly string _versionsDirectory;
    private readonly string _aliasesDirectory;
    private readonly string _stagingDirectory;
    private readonly TimeProvider _timeProvider;
    // Serialises writers in this process; across processes the rename of a staged version fails when taken.
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private readonly IRegistryMirror? _mirror;

    /// <param name="mirror">When set, every change is also written there (Training: MLflow's file-store model registry, for <c>mlflow ui</c>).</param>
    public FileModelRegistry(string rootDirectory, TimeProvider? timeProvider = null, string modelName = ModelRegistryNames.RegisteredModel, IRegistryMirror? mirror = null)
    {
        _mirror = mirror;
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        ModelName = modelName;
        RootDirectory = Path.GetFullPath(rootDirectory);
        _modelRoot = Path.Combine(RootDirectory, modelName);
        _versionsDirectory = Path.Combine(_modelRoot, "versions");
        _aliasesDirectory = Path.Combine(_modelRoot, "aliases");
        _stagingDirectory = Path.Combine(_modelRoot, StagingFolder);
        _timeProvider = timeProvider ?? TimeProvider.System;
        Directory.CreateDirectory(_versionsDirectory);
        Directory.CreateDirectory(_aliasesDirectory);
    }

    public string RootDirectory { get; }

    public string ModelName { get; }

    public string Location => RootDirectory;

    public Task<RegisteredModelVersion?> GetByAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        var version = ReadAlias(ValidateAlias(alias));
        return Task.FromResult(version is null ? null : ReadVersion(version));
    }

    public Task<RegisteredModelVersion?> GetVersionAsync(string version, CancellationToken cancellationToken = default)
        => Task.FromResult(ReadVersion(ValidateVersion(version)));

    public async Task<RegisteredModelVersion> RegisterAsync(string modelDirectory, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        var source = Path.GetFullPath(modelDirectory);
        if (!File.Exists(Path.Combine(source, ModelRegistryNames.OnnxFileName)))
        {
            throw new FileNotFoundException($"Cannot register '{source}': it holds no {ModelRegistryNames.OnnxFileName}.", Path.Combine(source, ModelRegistryNames.OnnxFileName));
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var staging = Path.Combine(_stagingDirectory, Guid.NewGuid().ToString("N"));
            CopyDirectory(source, staging, cancellationToken);
            var createdAt = _timeProvider.GetUtcNow();
            for (var attempt = 0; ; attempt++)
            {
                var number = NextVersionNumber();
                var record = new VersionFile(number.ToString(), createdAt, source, new Dictionary<string, string>(tags));
                await File.WriteAllBytesAsync(Path.Combine(staging, VersionFileName), JsonSerializer.SerializeToUtf8Bytes(record, RegistryJsonContext.Default.VersionFile), cancellationToken);
                try
                {
                    Directory.Move(staging, Path.Combine(_versionsDirectory, record.Version));
                }
                catch (IOException) when (attempt < 20 && Directory.Exists(Path.Combine(_versionsDirectory, record.Version)))
                {
                    // Another process took this number between our look and our rename: take the next one.
                    continue;
                }

                await MirrorAsync(cancellationToken);
                return ReadVersion(record.Version) ?? throw new IOException($"Version {record.Version} vanished right after it was registered in '{_versionsDirectory}'.");
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task SetAliasAsync(string alias, string version, CancellationToken cancellationToken = default)
    {
        ValidateAlias(alias);
        ValidateVersion(version);
        if (!File.Exists(Path.Combine(_versionsDirectory, version, VersionFileName)))
        {
            throw new KeyNotFoundException($"Cannot point alias '{alias}' at version {version} of '{ModelName}': no such version in '{_versionsDirectory}'.");
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await WriteAtomicallyAsync(Path.Combine(_aliasesDirectory, alias), System.Text.Encoding.UTF8.GetBytes(version), cancellationToken);
            await MirrorAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task DeleteAliasAsync(string alias, CancellationToken cancellationToken = default)
    {
        ValidateAlias(alias);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            File.Delete(Path.Combine(_aliasesDirectory, alias));
            await MirrorAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task SetVersionTagsAsync(string version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            var path = Path.Combine(_versionsDirectory, version, VersionFileName);
            var record = ReadVersionFile(path) ?? throw new KeyNotFoundException($"Version {version} of '{ModelName}' does not exist in '{_versionsDirectory}'.");
            var merged = new Dictionary<string, string>(record.Tags);
            foreach (var (key, value) in tags)
            {
                merged[key] = value;
            }

            await WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(record with { Tags = merged }, RegistryJsonContext.Default.VersionFile), cancellationToken);
            await MirrorAsync(cancellationToken);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<IReadOnlyList<RegisteredModelVersion>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        var aliases = ReadAllAliases();
        IReadOnlyList<RegisteredModelVersion> versions = VersionNumbers()
            .OrderDescending()
            .Select(number => ReadVersion(number.ToString(), aliases))
            .OfType<RegisteredModelVersion>()
            .ToList();
        return Task.FromResult(versions);
    }

    private async Task MirrorAsync(CancellationToken cancellationToken)
    {
        if (_mirror is not null)
        {
            await _mirror.MirrorRegistryAsync(ModelName, await ListVersionsAsync(cancellationToken), cancellationToken);
        }
    }

    private RegisteredModelVersion? ReadVersion(string version) => ReadVersion(version, ReadAllAliases());

    private RegisteredModelVersion? ReadVersion(string version, IReadOnlyDictionary<string, string> aliases)
    {
        var directory = Path.Combine(_versionsDirectory, version);
        var record = ReadVersionFile(Path.Combine(directory, VersionFileName));
        if (record is null)
        {
            return null;
        }

        var versionAliases = aliases.Where(pair => pair.Value == version).Select(pair => pair.Key).Order(StringComparer.Ordinal).ToList();
        return new RegisteredModelVersion(ModelName, version, directory, versionAliases, record.Tags, record.CreatedAt);
    }

    private static VersionFile? ReadVersionFile(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), RegistryJsonContext.Default.VersionFile);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string? ReadAlias(string alias)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(_aliasesDirectory, alias)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private Dictionary<string, string> ReadAllAliases()
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_aliasesDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith('.'))
            {
                continue; // a temporary file of an alias move in flight
            }

            if (ReadAlias(name) is { } version)
            {
                aliases[name] = version;
            }
        }

        return aliases;
    }

    private IEnumerable<int> VersionNumbers()
        => Directory.EnumerateDirectories(_versionsDirectory)
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, System.Globalization.NumberStyles.None, null, out var number) ? number : 0)
            .Where(number => number > 0);

    private int NextVersionNumber() => VersionNumbers().DefaultIfEmpty(0).Max() + 1;

    private async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(temporary, content, cancellationToken);
        // rename(2) replaces the target in one step: readers see the old content or the new one.
        File.Move(temporary, path, overwrite: true);
    }

    private static void CopyDirectory(string source, string destination, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string ValidateAlias(string alias)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(alias);
        if (alias.StartsWith('.') || alias.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || alias.Contains('/') || alias.Contains('\\'))
        {
            throw new ArgumentException($"Alias '{alias}' is not a valid alias name.", nameof(alias));
        }

        return alias;
    }

    private static string ValidateVersion(string version)
    {
        if (!int.TryParse(version, System.Globalization.NumberStyles.None, null, out var number) || number <= 0)
        {
            throw new ArgumentException($"Model version '{version}' is not a positive whole number.", nameof(version));
        }

        return version;
    }

    internal sealed record VersionFile(
        [property: JsonPropertyName("version")] string Version,
        [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("tags")] Dictionary<string, string> Tags);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(FileModelRegistry.VersionFile))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
