using FraudDetection.AppHost.Dashboard;

namespace FraudDetection.AppHost.Embedded;

/// <summary>Trains and registers a starter model from the bundled sample when the registry has no champion.</summary>
public static class StarterModel
{
    public static Task EnsureChampionAsync(AppHostOptions options, string sampleFile, ResourceCatalog catalog, CancellationToken cancellationToken)
    {
        // Wired to the training library and the file registry when those branches land.
        catalog[ResourceCatalog.ModelRegistry].State = "Running";
        return Task.CompletedTask;
    }
}
