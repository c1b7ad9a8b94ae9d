using FraudDetection.AppHost.Dashboard;

namespace FraudDetection.AppHost.Embedded;

/// <summary>Trains and registers a starter model from the bundled sample when the registry has no champion.</summary>
public static class StarterModel
{
    public static Task EnsureChampionAsync(IReadOnlyDictionary<string, string?> settings, string sampleFile, ResourceEntry? resource, CancellationToken cancellationToken)
    {
        // Wired to the training library and the registry when those branches land.
        if (resource is not null)
        {
            resource.State = "Running";
        }
        return Task.CompletedTask;
    }
}
