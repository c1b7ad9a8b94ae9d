namespace FraudDetection.Core.Models;

/// <summary>A model version as the registry knows it; <see cref="ModelDirectory"/> is a local folder holding model.onnx.</summary>
public sealed record RegisteredModelVersion(
    string Name,
    string Version,
    string ModelDirectory,
    IReadOnlyList<string> Aliases,
    IReadOnlyDictionary<string, string> Tags,
    DateTimeOffset CreatedAt)
{
    public string OnnxPath => Path.Combine(ModelDirectory, ModelRegistryNames.OnnxFileName);
}

/// <summary>Names shared by every registry implementation and its readers.</summary>
public static class ModelRegistryNames
{
    public const string RegisteredModel = "fraud-detector";
    public const string ChampionAlias = "champion";
    public const string ChallengerAlias = "challenger";
    public const string OnnxFileName = "model.onnx";
    public const string MetricsFileName = "metrics.json";
}

/// <summary>
/// Where models live: an MLflow-format folder in embedded mode, the MLflow registry when a server is configured.
/// Scoring reads the champion through this; Training registers and promotes through it.
/// </summary>
public interface IModelRegistry
{
    /// <summary>The version the alias points at, downloaded to a local folder; null when the alias is unset.</summary>
    Task<RegisteredModelVersion?> GetByAliasAsync(string alias, CancellationToken cancellationToken = default);

    /// <summary>Registers the model in <paramref name="modelDirectory"/> (model.onnx, metrics.json, plots) as a new version.</summary>
    Task<RegisteredModelVersion> RegisterAsync(string modelDirectory, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);

    /// <summary>Points <paramref name="alias"/> at <paramref name="version"/>.</summary>
    Task SetAliasAsync(string alias, string version, CancellationToken cancellationToken = default);

    /// <summary>Every version, newest first.</summary>
    Task<IReadOnlyList<RegisteredModelVersion>> ListVersionsAsync(CancellationToken cancellationToken = default);
}
