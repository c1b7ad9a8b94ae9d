using FraudDetection.Core.Models;

namespace FraudDetection.Core.Registry;

/// <summary>
/// A copy of the folder registry kept elsewhere after every change (Training's MLflow file store writes one, so that
/// <c>mlflow ui</c> shows the versions and aliases); the folder registry stays the source of truth.
/// </summary>
public interface IRegistryMirror
{
    Task MirrorRegistryAsync(string modelName, IReadOnlyList<RegisteredModelVersion> versions, CancellationToken cancellationToken = default);
}
