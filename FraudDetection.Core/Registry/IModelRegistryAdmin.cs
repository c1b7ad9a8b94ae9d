using FraudDetection.Core.Models;

namespace FraudDetection.Core.Registry;

/// <summary>
/// What Training needs beyond <see cref="IModelRegistry"/> (which is all Scoring needs): one version by number,
/// alias removal and tags written after registration (the promotion gate records its comparison there).
/// </summary>
public interface IModelRegistryAdmin : IModelRegistry
{
    /// <summary>Where the registry lives, for pages and logs (a folder or a server URL).</summary>
    string Location { get; }

    /// <summary>The version, downloaded to a local folder; null when it does not exist.</summary>
    Task<RegisteredModelVersion?> GetVersionAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="alias"/>; no error when it is unset.</summary>
    Task DeleteAliasAsync(string alias, CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces tags on an existing version.</summary>
    Task SetVersionTagsAsync(string version, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);
}
