using FraudDetection.AppHost.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// dotnet run --project FraudDetection.AppHost [-- --rate N|max] [--loop] [--replay FILE] [--data-dir DIR] [--trace-ratio R] [--containers]
if (AppHostCommandLine.IsHelp(args))
{
    return AppHostCommandLine.PrintHelp(args);
}
var (options, aspireArguments, errors) = AppHostCommandLine.Parse(args);
if (options is null)
{
    return StartupChecks.UsageErrors(errors);
}

// No configuration reload (here and in the services, which inherit it): it watches the working folder's whole tree
// (1,700 folders in a clone), and the services write under .data there: 3 % of a core at the default rate.
Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
var builder = DistributedApplication.CreateBuilder(aspireArguments);
ContainerRuntimeProbe.QuietenWithoutContainers(builder, options.Containers);
DashboardSettings.UseBundledFile(builder);
// Every resource's /health poll would log four lines a second and bury the addresses printed on start.
builder.Services.AddLogging(logging => logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
var external = builder.Configuration.GetConnectionString("kafka");
string sample = "", replay = "", history = "";
if (StartupChecks.Run(() =>
    {
        StartupChecks.EnsureDataDirectory(options.DataDirectory);
        sample = StartupChecks.ResolveSample();
        replay = StartupChecks.ResolveReplayFile(options.ReplayFile, sample);
        history = StartupChecks.ReplayHistory(replay, sample);
        if (options.Containers)
        {
            StartupChecks.EnsureContainerRuntime(builder);
        }
        else if (!string.IsNullOrWhiteSpace(external))
        {
            StartupChecks.EnsureBrokerReachable(external, TimeSpan.FromSeconds(5));
        }
    }) is { } invalid)
{
    return invalid;
}

// Infrastructure: the development broker (a process, no Docker), a broker given as ConnectionStrings__kafka,
// or with --containers Apache Kafka, Neo4j and MLflow containers.
IResourceBuilder<IResourceWithConnectionString> kafka =
    options.Containers ? builder.AddKafka("kafka")
    : !string.IsNullOrWhiteSpace(external) ? builder.AddConnectionString("kafka")
    : builder.AddDevKafka("kafka", options.KafkaPort);
var neo4j = options.Containers ? builder.AddNeo4j("neo4j") : null;
var mlflow = options.Containers ? builder.AddMlflow("mlflow") : null;

// Training: the model registry's writer; with no champion yet it trains the starter model first.
var training = builder.AddService<Projects.FraudDetection_Training>("training", options.DataDirectory, options.TraceRatio)
    .WithStarterModel(sample)
    .WithReference(kafka).WaitFor(kafka)
    .WithOptionalReference(mlflow);

// Scoring: features + ONNX on transactions; health Degraded until Training has registered a champion.
var scoring = builder.AddService<Projects.FraudDetection_Scoring>("scoring", options.DataDirectory, options.TraceRatio)
    .WithReference(kafka).WaitFor(kafka)
    .WithFetchWait("Scoring", kafka)
    .WithOptionalReference(mlflow)
    .WaitFor(training);
// Training reads Scoring's drift (GET /api/scoring/stats) and retrains when the champion's score has drifted.
training.WithReference(scoring);

// Graph: scored transactions into the embedded graph (or Neo4j), and the investigation queries.
var graph = builder.AddService<Projects.FraudDetection_Graph>("graph", options.DataDirectory, options.TraceRatio)
    .WithReference(kafka).WaitFor(kafka)
    .WithFetchWait("Graph", kafka)
    .WithOptionalReference(neo4j);

// The secret of the card holder's links: the Notifier signs them, web checks them.
var alertLinkSecret = builder.AddAlertLinkSecret(options.DataDirectory);

// Notifier: alerts to KakaoTalk, or to the dry-run outbox without credentials; the message links to web's answer page.
var notifier = builder.AddService<Projects.FraudDetection_Notifier>("notifier", options.DataDirectory, options.TraceRatio)
    .WithAlertLinkSecret(alertLinkSecret)
    .WithReference(kafka).WaitFor(kafka);

// Producer: the card history, then the replay, once Scoring serves a model (the development broker keeps only 5 MB a partition).
var producer = builder.AddService<Projects.FraudDetection_Producer>("producer", options.DataDirectory, options.TraceRatio)
    .WithReplay(replay, history, options.RateSetting, options.Loop)
    .WithReference(kafka)
    .WaitFor(scoring);

// Web: the fraud team's pages, reading the others through service discovery; the card holder's answer page and the
// analyst queue, with the alerts under review in its data directory.
var web = builder.AddService<Projects.FraudDetection_Web>("web", options.DataDirectory, options.TraceRatio)
    .WithAlertLinkSecret(alertLinkSecret)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(producer)
    .WithReference(scoring)
    .WithReference(graph)
    .WithReference(notifier)
    .WithReference(training);
notifier.WithEnvironment("Notifier__LinkBaseUrl", ReferenceExpression.Create($"{web.GetEndpoint("http")}/alerts"));

// Metrics: Prometheus scrapes every service's /metrics; with --containers Grafana shows deploy/grafana's dashboards.
IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> services = [producer, scoring, graph, notifier, training, web];
if (options.Containers)
{
    var prometheus = builder.AddPrometheus("prometheus", options.DataDirectory, services);
    builder.AddGrafana("grafana", Path.Combine(StartupChecks.RepositoryRoot(sample), "deploy", "grafana"), prometheus, neo4j!);
}
else
{
    builder.AddPrometheusServer("prometheus", options.DataDirectory, services);
}

ConsoleSummary.PrintOnStart(builder, options, kafka, web);
if (StartupChecks.Run(() => StartupChecks.EnsurePortsFree(builder)) is { } taken)
{
    return taken;
}
builder.Build().Run();
return 0;
