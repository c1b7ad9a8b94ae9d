using System.Globalization;
using FraudDetection.AppHost.Dashboard;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Registry.Tracking;
using FraudDetection.Training.Training;

namespace FraudDetection.AppHost.Embedded;

/// <summary>
/// When the registry has no champion, trains one from the bundled sample (in-process, the Training library),
/// tracks the run, registers the model in the same registry the services read (the embedded folder, or MLflow
/// when <c>ConnectionStrings:mlflow</c> is set) and makes it the champion.
/// </summary>
public static class StarterModel
{
    public const string SourceTag = "source";
    public const string SourceValue = "apphost-starter";

    /// <summary>The registry and tracker the services get for these settings (the registry's own wiring).</summary>
    public static ServiceProvider OpenRegistry(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddModelRegistry();
        return builder.Services.BuildServiceProvider();
    }

    public static async Task EnsureChampionAsync(IReadOnlyDictionary<string, string?> settings, string sampleFile, ResourceEntry? resource, CancellationToken cancellationToken)
    {
        await using var services = OpenRegistry(settings);
        var registry = services.GetRequiredService<IModelRegistryAdmin>();
        resource?.ExtraEndpoints.Add(registry.Location);

        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);
        if (champion is not null && File.Exists(champion.OnnxPath))
        {
            Console.WriteLine($"model: champion {champion.Name} v{champion.Version} ({registry.Location})");
            if (resource is not null)
            {
                resource.State = "Running";
            }
            return;
        }

        if (resource is not null)
        {
            resource.State = "Training starter model";
        }
        var dataDirectory = settings.GetValueOrDefault(DataPaths.ConfigurationKey) ?? DataPaths.DefaultDirectory;
        var output = Path.Combine(dataDirectory, "starter-models", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Console.WriteLine($"model: no champion in {registry.Location} — training a starter model from {sampleFile} (once; later runs reuse it)");
        var result = await ModelTrainer.TrainAsync(
            new TrainingRequest
            {
                DataFiles = [sampleFile],
                OutputDirectory = output,
                // A quick model so transactions flow within a minute (DESIGN §4); the Training host's scheduled
                // runs train the full configuration and the promotion gate replaces this one when they beat it.
                Parameters = new HyperParameters(Trees: 120, LearningRate: 0.1),
                ShapRows = 500,
            },
            new ConsoleProgress(resource),
            cancellationToken);

        // Tracked, registered and tagged the way the Training host's runs are, so the model pages show it alike.
        var runId = await TrackAsync(services, result, sampleFile, cancellationToken);
        var tags = new Dictionary<string, string>
        {
            [SourceTag] = SourceValue,
            ["trigger"] = SourceValue,
            [RegistryTags.SourceDirectory] = result.ModelDirectory,
            [RegistryTags.GateDecision] = "first_champion",
            [RegistryTags.GateReason] = "no champion in the registry: the starter model trained by the AppHost",
        };
        if (runId is not null)
        {
            tags[RegistryTags.RunId] = runId;
        }
        var version = await registry.RegisterAsync(result.ModelDirectory, tags, cancellationToken);
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, version.Version, cancellationToken);

        var v = result.Report.Validation;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: starter model v{version.Version} is champion after {result.Elapsed.TotalSeconds:F0} s — validation PR-AUC {v.AveragePrecision:F3}, ROC-AUC {v.RocAuc:F3}, F1 {v.F1:F3} at threshold {v.Threshold:F3}"));
        if (resource is not null)
        {
            resource.State = "Running";
        }
    }

    /// <summary>The starter run goes to the run store like any training run (MLflow, or the MLflow-format folder).</summary>
    private static async Task<string?> TrackAsync(IServiceProvider services, TrainingResult result, string sampleFile, CancellationToken cancellationToken)
    {
        if (services.GetService<IExperimentTracker>() is not { } tracker)
        {
            return null;
        }
        var options = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RegistryOptions>>().Value;
        var run = await tracker.StartRunAsync(options.ExperimentName, $"{SourceValue}-{DateTime.UtcNow:yyyyMMdd-HHmmss}", new Dictionary<string, string>
        {
            ["trigger"] = SourceValue,
            ["data_files"] = Path.GetFileName(sampleFile),
        }, cancellationToken);
        await tracker.LogBatchAsync(
            run,
            ModelReportTracking.Params(result.Report),
            ModelReportTracking.Metrics(result.Report, DateTimeOffset.UtcNow),
            new Dictionary<string, string> { ["feature_schema_version"] = result.Report.FeatureSchemaVersion },
            cancellationToken);
        await tracker.LogArtifactsAsync(run, result.ModelDirectory, "", cancellationToken);
        await tracker.EndRunAsync(run, TrackedRunStatus.Finished, cancellationToken);
        return run.RunId;
    }

    /// <summary>One console line per stage change, and at most one every two seconds within a stage.</summary>
    private sealed class ConsoleProgress(ResourceEntry? resource) : IProgress<TrainingProgress>
    {
        private readonly Lock _gate = new();
        private string? _stage;
        private DateTime _last = DateTime.MinValue;

        public void Report(TrainingProgress value)
        {
            var now = DateTime.UtcNow;
            lock (_gate)
            {
                if (value.Stage == _stage && now - _last < TimeSpan.FromSeconds(2))
                {
                    return;
                }
                _stage = value.Stage;
                _last = now;
            }
            var share = value is { Done: { } done, Total: > 0 and var total } ? $" {100.0 * done / total,3:F0}%" : "";
            Console.WriteLine($"  [{value.Stage}]{share} {value.Message}");
            if (resource is not null)
            {
                resource.State = $"Training starter model: {value.Stage}{share} {value.Message}";
            }
        }
    }
}
