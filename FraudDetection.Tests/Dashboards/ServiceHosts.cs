using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Telemetry;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Tests.Graph;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Dashboards;

/// <summary>
/// Producer, Scoring (with the graph sink) and Notifier hosts on 127.0.0.1 over the embedded broker, carrying
/// traffic, each serving /metrics through ServiceDefaults.
/// </summary>
public sealed class ServiceHosts : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("dashboards-");

    public EmbeddedKafka Kafka { get; } = EmbeddedKafka.Start(partitions: 4);

    /// <summary>job name → host:port of its /metrics.</summary>
    public Dictionary<string, string> Targets { get; } = [];

    public async Task StartAsync()
    {
        await StartAsync("producer", builder => builder.Services.AddHostedService<ProducerTraffic>());
        await StartAsync("scoring", builder =>
        {
            builder.AddGraphSink();
            builder.Services.AddHostedService<ScoringTraffic>();
        });
        await StartAsync("notifier", builder => builder.Services.AddHostedService<NotifierTraffic>());
    }

    private async Task StartAsync(string name, Action<WebApplicationBuilder> addService)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = name, EnvironmentName = "Development" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Kafka.BootstrapServers,
            ["FraudDetection:DataDirectory"] = Path.Combine(_data.FullName, name),
            ["Graph:FlushInterval"] = "00:00:00.100",
            ["Graph:SessionTimeoutMs"] = "6000",
        });
        builder.AddServiceDefaults();
        addService(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        _apps.Add(app);
        Targets[name] = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Kafka.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Delete(recursive: true);
    }

    // Stand-ins until the Producer/Scoring/Notifier services land: their instruments, named and typed as in
    // FraudMetrics, fed at a steady pace. The graph sink in the scoring host is the real one.
    private sealed class ProducerTraffic(IMeterFactory meters) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var meter = meters.Create(FraudMetrics.ProducerMeter);
            var produced = meter.CreateCounter<long>(FraudMetrics.TransactionsProduced, "{transaction}");
            meter.CreateObservableGauge(FraudMetrics.ProducerRate, () => 50.0, "{transaction}/s");
            while (!stoppingToken.IsCancellationRequested)
            {
                produced.Add(5, new KeyValuePair<string, object?>("scenario", "replay"));
                await Task.Delay(100, stoppingToken);
            }
        }
    }

    private sealed class ScoringTraffic(IMeterFactory meters, IConfiguration configuration) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var meter = meters.Create(FraudMetrics.ScoringMeter);
            var scored = meter.CreateCounter<long>(FraudMetrics.TransactionsScored, "{transaction}");
            var alerts = meter.CreateCounter<long>(FraudMetrics.AlertsRaised, "{alert}");
            var deadLetters = meter.CreateCounter<long>(FraudMetrics.DeadLetters, "{message}");
            var score = meter.CreateHistogram(FraudMetrics.Score, unit: null, description: null, tags: null,
                advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 0.9, 1] });
            var eventToScored = meter.CreateHistogram<double>(FraudMetrics.EventToScoredLatency, "ms");
            var inference = meter.CreateHistogram<double>(FraudMetrics.InferenceLatency, "ms");
            meter.CreateObservableGauge(FraudMetrics.ConsumerLag, () => new Measurement<long>(3, new KeyValuePair<string, object?>("partition", "0")), "{message}");

            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = configuration.GetConnectionString("kafka") }).Build();
            producer.Produce(Topics.Scored, new Message<string, byte[]> { Key = "bad", Value = Encoding.UTF8.GetBytes("{not json") });
            var version = new KeyValuePair<string, object?>("model_version", "1");
            var transactions = GraphTestData.Transactions(2000);
            for (var i = 0; !stoppingToken.IsCancellationRequested; i++)
            {
                var s = GraphTestData.Score(transactions[i % transactions.Count]);
                producer.Produce(Topics.Scored, new Message<string, byte[]> { Key = s.Transaction.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture), Value = JsonSerializer.SerializeToUtf8Bytes(s, FraudJsonContext.Default.ScoredTransaction) });
                scored.Add(1, version);
                score.Record(s.Score, version);
                eventToScored.Record(3 + i % 7);
                inference.Record(0.5);
                if (s.IsAlert || i % 20 == 0)
                {
                    alerts.Add(1, version);
                }
                if (i % 50 == 0)
                {
                    deadLetters.Add(1, new KeyValuePair<string, object?>("reason", DeadLetterReasons.Unparseable));
                }
                await Task.Delay(20, stoppingToken);
            }
        }
    }

    private sealed class NotifierTraffic(IMeterFactory meters) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            var meter = meters.Create(FraudMetrics.NotifierMeter);
            var sent = meter.CreateCounter<long>(FraudMetrics.NotificationsSent, "{message}");
            var failed = meter.CreateCounter<long>(FraudMetrics.NotificationsFailed, "{message}");
            var latency = meter.CreateHistogram<double>(FraudMetrics.AlertToSentLatency, "ms");
            for (var i = 0; !stoppingToken.IsCancellationRequested; i++)
            {
                sent.Add(1, new KeyValuePair<string, object?>("channel", "outbox"));
                latency.Record(12, new KeyValuePair<string, object?>("channel", "outbox"));
                if (i % 5 == 0)
                {
                    failed.Add(1, new KeyValuePair<string, object?>("channel", "kakao"), new KeyValuePair<string, object?>("code", "-401"));
                }
                await Task.Delay(100, stoppingToken);
            }
        }
    }
}
