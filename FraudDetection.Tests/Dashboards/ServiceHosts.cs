using System.Text;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Notifier.Apis;
using FraudDetection.Notifier.Extensions;
using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Extensions;
using FraudDetection.Graph.Apis;
using FraudDetection.Graph.Extensions;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Tests.Scoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Dashboards;

/// <summary>
/// Producer, Scoring, Graph and Notifier hosts on 127.0.0.1 over the in-process development broker, carrying
/// traffic, each serving /metrics through ServiceDefaults.
/// </summary>
public sealed class ServiceHosts : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("dashboards-");

    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start(partitions: 4);

    /// <summary>job name → the running service.</summary>
    public Dictionary<string, WebApplication> Apps { get; } = [];

    /// <summary>job name → host:port of its /metrics (and APIs).</summary>
    public Dictionary<string, string> Targets { get; } = [];

    /// <summary>Kakao answering every memo with -501 (recipient not a Kakao Talk user), and the webhook fallback taking the messages.</summary>
    private readonly WireMockServer _peers = TestNetwork.StartFake();

    /// <summary>Overrides of the Producer's settings (e.g. a finite replay).</summary>
    public Dictionary<string, string?> ProducerSettings { get; } = new()
    {
        ["Producer:File"] = Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"),
        ["Producer:Rate"] = "200",
        ["Producer:Loop"] = "true",
    };

    public string DataDirectory => _data.FullName;

    /// <summary>Applied to every service's builder after its defaults (e.g. a log capture).</summary>
    public Action<WebApplicationBuilder>? ConfigureEach { get; init; }

    /// <summary>Whether StartAsync sends input Scoring must dead-letter and a scored message the graph sink cannot read.</summary>
    public bool SendBadInput { get; init; } = true;

    public async Task StartAsync()
    {
        _peers.Given(Request.Create().WithPath("/v2/api/talk/memo/default/send").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(400).WithHeader("Content-Type", "application/json")
                .WithBody("""{"code":-501,"msg":"NotTalkUserException: not a kakaotalk user"}"""));
        _peers.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        // Scoring's champion: a small LightGBM model trained by the training library, in the embedded registry.
        await ScoringModels.RegistryWithChampionAsync(Path.Combine(_data.FullName, "scoring", "registry"), ScoringModels.ModelA);

        await StartAsync("scoring", new()
        {
            ["Scoring:ThresholdOverride"] = "0.05", // alerts often enough for the Notifier panels
            ["Scoring:Consumer:session.timeout.ms"] = "6000",
        }, builder => builder.AddScoringServices(), app => app.MapScoringApi());
        await StartAsync("graph", [], builder => builder.AddGraphSink(), app => app.MapGraphApi());
        await StartAsync("notifier", new()
        {
            ["Kakao:Mode"] = "memo",
            ["Kakao:ApiBaseUrl"] = _peers.Url,
            ["Kakao:AuthBaseUrl"] = _peers.Url,
            ["Kakao:AccessToken"] = "dashboards-test-token",
            ["Kakao:Retry:BaseDelay"] = "00:00:00.010",
            ["Notifier:Language"] = "en",
            ["Notifier:Webhook:Url"] = _peers.Url + "/hook",
            ["Notifier:CoalesceWindow"] = "00:00:00.050",
            ["Notifier:RecipientMinInterval"] = "00:00:00.050",
            ["Notifier:DailySenderQuota"] = "1000000",
            ["Notifier:DailyRecipientQuota"] = "1000000",
            ["Notifier:Kafka:session.timeout.ms"] = "6000",
        }, builder => builder.AddNotifierServices(), app => app.MapNotifierApi());
        await StartAsync("producer", ProducerSettings, builder => builder.AddProducerServices(), app => app.MapProducerApi());

        if (!SendBadInput)
        {
            return;
        }
        // Input Scoring must dead-letter, and a scored message the graph sink cannot read.
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers }).Build();
        producer.Produce(Topics.Transactions, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes("1"), Value = Encoding.UTF8.GetBytes("{not a transaction") });
        producer.Produce(Topics.Scored, new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes("1"), Value = Encoding.UTF8.GetBytes("{not scored") });
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    private static readonly Dictionary<string, string> ServiceAssemblies = new()
    {
        ["producer"] = typeof(ProducerApi).Assembly.GetName().Name!,
        ["scoring"] = typeof(ScoringApi).Assembly.GetName().Name!,
        ["graph"] = typeof(GraphApi).Assembly.GetName().Name!,
        ["notifier"] = typeof(NotifierApi).Assembly.GetName().Name!,
    };


    private async Task StartAsync(string name, Dictionary<string, string?> settings, Action<WebApplicationBuilder> addService, Action<WebApplication> mapApi)
    {
        // The service's own assembly name, as its Program would have it.
        var applicationName = ServiceAssemblies[name];
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = applicationName, EnvironmentName = "Testing" });
        builder.ListenOnLoopback();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Kafka.BootstrapServers,
            ["FraudDetection:DataDirectory"] = Path.Combine(_data.FullName, name),
            ["Graph:FlushInterval"] = "00:00:00.100",
            ["Graph:SessionTimeoutMs"] = "6000",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        ConfigureEach?.Invoke(builder);
        addService(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        mapApi(app);
        await app.StartAsync();
        _apps.Add(app);
        Apps[name] = app;
        Targets[name] = app.BaseAddress().Authority;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _peers.Stop();
        _peers.Dispose();
        Kafka.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }
}
