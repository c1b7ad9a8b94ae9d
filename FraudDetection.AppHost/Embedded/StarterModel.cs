using System.Diagnostics;
using System.Globalization;
using FraudDetection.AppHost.Dashboard;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Extensions;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Trainers;

namespace FraudDetection.AppHost.Embedded;

/// <summary>
/// When the registry has no champion, trains one from the bundled sample before the services start, through the
/// Training host's own <see cref="TrainingPipeline"/> (tracked run, registered version, promotion gate) on the same
/// registry the services read (the embedded folder, or MLflow when <c>ConnectionStrings:mlflow</c> is set). What is
/// the AppHost's own: when to do it, a quick model, and progress on the console and the page.
/// </summary>
public static class StarterModel
{
    /// <summary>The <c>trigger</c> tag of the starter run and its registered version.</summary>
    public const string Trigger = "apphost-starter";

    /// <summary>The Training host's run pipeline and the registry and tracker it writes to, for these settings (their own wiring).</summary>
    public static ServiceProvider OpenTraining(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTrainingPipeline();
        return builder.Services.BuildServiceProvider();
    }

    public static async Task EnsureChampionAsync(IReadOnlyDictionary<string, string?> settings, string sampleFile, ResourceEntry? resource, CancellationToken cancellationToken)
    {
        await using var services = OpenTraining(settings);
        var registry = services.GetRequiredService<IModelRegistryAdmin>();
        resource?.ExtraEndpoints.Add(registry.Location);

        var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);
        if (champion is not null && File.Exists(champion.OnnxPath))
        {
            Console.WriteLine($"model: champion {champion.Name} v{champion.Version} ({registry.Location})");
            SetState(resource, "Running");
            return;
        }

        if (champion is not null)
        {
            // Its model file is gone: the gate could not evaluate it, and Scoring could not load it.
            Console.WriteLine($"model: champion v{champion.Version} has no model file at {champion.OnnxPath}; the alias is dropped");
            await registry.DeleteAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);
        }

        SetState(resource, "Training starter model");
        var dataDirectory = settings.GetValueOrDefault(DataPaths.ConfigurationKey) ?? DataPaths.DefaultDirectory;
        var output = Path.Combine(dataDirectory, "starter-models", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Console.WriteLine($"model: no champion in {registry.Location} — training a starter model from {sampleFile} (once; later runs reuse it)");
        var started = Stopwatch.GetTimestamp();
        var result = await services.GetRequiredService<TrainingPipeline>().RunAsync(
            new TrainingPipelineRequest(Trigger, [sampleFile], output)
            {
                // A quick model so transactions flow within a minute (DESIGN §4); the Training host's scheduled
                // runs train the full configuration and the promotion gate replaces this one when they beat it.
                Parameters = new HyperParameters(Trees: 120, LearningRate: 0.1),
                ShapRows = 500,
            },
            new ConsoleProgress(resource),
            cancellationToken);

        var v = result.Model.Report.Validation;
        // Only a champion registered meanwhile by another writer can keep the starter out; Scoring then serves that one.
        var outcome = result.Decision.BecameChampion ? "is champion" : $"stays {result.Decision.Outcome} ({result.Decision.Reason})";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model: starter model v{result.Version.Version} {outcome} after {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s — validation PR-AUC {v.AveragePrecision:F3}, ROC-AUC {v.RocAuc:F3}, F1 {v.F1:F3} at threshold {v.Threshold:F3}"));
        SetState(resource, "Running");
    }

    private static void SetState(ResourceEntry? resource, string state)
    {
        if (resource is not null)
        {
            resource.State = state;
        }
    }

    /// <summary>One console line per stage change, and at most one every two seconds within a stage.</summary>
    private sealed class ConsoleProgress(ResourceEntry? resource) : IProgress<TrainingPipelineProgress>
    {
        private readonly Lock _gate = new();
        private string? _stage;
        private DateTime _last = DateTime.MinValue;

        public void Report(TrainingPipelineProgress value)
        {
            // While training, the training library's own stage (read, train, explain, export) with its share done.
            var (stage, message, share) = value.Training is { } step
                ? (step.Stage, step.Message, step is { Done: { } done, Total: > 0 and var total } ? $" {100.0 * done / total,3:F0}%" : "")
                : (value.Stage, value.Message, "");
            var now = DateTime.UtcNow;
            lock (_gate)
            {
                if (stage == _stage && now - _last < TimeSpan.FromSeconds(2))
                {
                    return;
                }
                _stage = stage;
                _last = now;
            }
            Console.WriteLine($"  [{stage}]{share} {message}");
            SetState(resource, $"Training starter model: {stage}{share} {message}");
        }
    }
}
