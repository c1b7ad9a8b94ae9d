using FraudDetection.AppHost.Apis;
using FraudDetection.AppHost.Dashboard;
using FraudDetection.AppHost.Extensions;
using FraudDetection.AppHost.Hosting;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Registry;
using FraudDetection.Notifier.Apis;
using FraudDetection.Notifier.Extensions;
using FraudDetection.Core.Telemetry;
using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Hosting;
using FraudDetection.Producer.Extensions;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Training.Apis;
using FraudDetection.Training.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace FraudDetection.AppHost.Embedded;

/// <summary>
/// The embedded default: the broker in-process and every service hosted on ONE WebApplication through the
/// same extension methods and configuration keys the services use when they run on their own.
/// </summary>
public static class EmbeddedSystem
{
    public const string KafkaConnectionKey = "ConnectionStrings:kafka";
    private const int Partitions = 4;

    public static async Task<int> RunAsync(AppHostOptions options, CancellationToken cancellationToken)
    {
        StartupChecks.EnsureDataDirectory(options.DataDirectory);
        StartupChecks.EnsurePortFree(options.Port, options.ListenAny);
        var catalog = new ResourceCatalog();

        // An external broker (ConnectionStrings__kafka) is used as given; otherwise the embedded one starts here.
        var external = Environment.GetEnvironmentVariable("ConnectionStrings__kafka");
        EmbeddedKafka? broker = null;
        string bootstrap;
        if (!string.IsNullOrWhiteSpace(external))
        {
            StartupChecks.EnsureBrokerReachable(external, TimeSpan.FromSeconds(5));
            bootstrap = external;
            catalog[ResourceCatalog.Kafka].ExtraEndpoints.Add($"kafka://{bootstrap} (external)");
        }
        else
        {
            broker = EmbeddedKafka.Start(brokers: 1, partitions: Partitions, [.. Topics.All]);
            bootstrap = broker.BootstrapServers;
            catalog[ResourceCatalog.Kafka].ExtraEndpoints.Add($"kafka://{bootstrap}");
        }
        catalog[ResourceCatalog.Kafka].State = "Running";
        Console.WriteLine($"kafka: {bootstrap}{(broker is null ? " (external)" : " (embedded)")}");

        try
        {
            var replayFile = StartupChecks.ResolveReplayFile(options.ReplayFile);
            // A second run goes on where the previous one stopped (the in-memory broker forgot what it held).
            var (producerFile, startRow) = ReplayPosition.Prepare(options.DataDirectory, replayFile);
            if (startRow > 0)
            {
                Console.WriteLine($"replay: resuming {Path.GetFileName(replayFile)} at row {startRow:N0} (where the previous run stopped, less a small overlap)");
            }
            var settings = ServiceSettings(options, bootstrap, producerFile);
            // The starter model learns from the bundled (labelled) sample whatever is replayed.
            var sample = StartupChecks.ResolveReplayFile(null);
            await using (await StartingPage.StartAsync(options, catalog, cancellationToken))
            {
                await StarterModel.EnsureChampionAsync(settings, sample, catalog[ResourceCatalog.ModelRegistry], cancellationToken);
            }

            var app = Build(options, catalog, settings);
            await using (app)
            {
                await app.StartAsync(cancellationToken);
                foreach (var resource in catalog.Resources.Where(r => r.Name != ResourceCatalog.Kafka))
                {
                    resource.State = "Running";
                }
                PrintUrls(options, bootstrap);
                await app.WaitForShutdownAsync(cancellationToken);
                SaveReplayPosition(app, options, replayFile, startRow);
            }
            return 0;
        }
        finally
        {
            broker?.Dispose();
        }
    }

    /// <summary>Rows of the file this run got through Scoring (scored or recognised as duplicates), for the next run.</summary>
    private static void SaveReplayPosition(WebApplication app, AppHostOptions options, string replayFile, long startRow)
    {
        var status = app.Services.GetRequiredService<ProducerController>().GetStatus();
        var counters = app.Services.GetRequiredService<CounterCollector>();
        var throughScoring = counters.Total(FraudMetrics.TransactionsScored) + counters.Total(FraudMetrics.Duplicates);
        if (status.Sent == 0)
        {
            return;
        }
        new ReplayPosition(replayFile, new FileInfo(replayFile).Length, startRow + status.RowsSkipped + Math.Min(status.Sent, throughScoring))
            .Save(options.DataDirectory);
    }

    /// <summary>The configuration every service reads, with the same keys as when it runs on its own.</summary>
    public static Dictionary<string, string?> ServiceSettings(AppHostOptions options, string bootstrapServers, string replayFile) => new()
    {
        [KafkaConnectionKey] = bootstrapServers,
        [DataPaths.ConfigurationKey] = options.DataDirectory,
        ["OTEL_SERVICE_NAME"] = "frauddetection",
        // The Producer's hosted replay of the sample.
        ["Producer:File"] = replayFile,
        ["Producer:Rate"] = options.RateSetting,
        ["Producer:Loop"] = options.Loop ? "true" : "false",
    };

    private static WebApplication Build(AppHostOptions options, ResourceCatalog catalog, Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(EmbeddedSystem).Assembly.GetName().Name,
        });
        builder.WebHost.UseUrls(options.BindUrl);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(7));
        builder.Logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
        builder.Logging.AddFilter<ConsoleLoggerProvider>("FraudDetection", LogLevel.Information);
        builder.Logging.AddFilter<ConsoleLoggerProvider>("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // Health is on the page; a failing check would otherwise log on every refresh.
        builder.Logging.AddFilter<ConsoleLoggerProvider>("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);

        builder.AddServiceDefaults();
        builder.AddAppHostPage(catalog);
        builder.Services.AddHealthChecks()
            .AddCheck<KafkaBrokerHealthCheck>("kafka-broker")
            .AddCheck<ChampionModelHealthCheck>("model-registry");

        // One registry for every service on this builder (embedded folder, or MLflow when ConnectionStrings:mlflow is set).
        builder.AddModelRegistry();
        builder.AddProducerServices();
        builder.AddScoringServices();
        builder.AddGraphSink();
        builder.AddNotifierServices();
        builder.AddTrainingServices();

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAppHostPage();
        app.MapProducerApi();
        app.MapScoringApi();
        app.MapGraphApi();
        app.MapNotifierApi();
        app.MapTrainingApi();
        return app;
    }

    private static void PrintUrls(AppHostOptions options, string bootstrap)
    {
        var url = options.PageUrl;
        Console.WriteLine($"""
            FraudDetection is running (embedded). Press Ctrl+C to stop.
              page:             {url}
              health:           {url}/health  (alive: {url}/alive)
              metrics:          {url}/metrics
              model dictionary: {url}/models
              outbox:           {url}/api/notifications
              kafka:            {bootstrap}
              data:             {options.DataDirectory}
            """);
    }
}
