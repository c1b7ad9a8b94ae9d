using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Extensions;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Tests.Scoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Live;

/// <summary>
/// The running path of the default run, in-process: the Producer host and the Scoring host (each as its Program wires
/// it, with ServiceDefaults) over the embedded broker, Scoring's champion registered from a model folder.
/// </summary>
public sealed partial class LiveSystem : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private LiveSystem(DirectoryInfo data) => Data = data;

    public EmbeddedKafka Kafka { get; } = StartKafka();

    public DirectoryInfo Data { get; }

    public Uri? ScoringUrl { get; private set; }

    public Uri? ProducerUrl { get; private set; }

    /// <summary>
    /// Four partitions a topic, but sixteen for the scored output and thirty-two for the input: the embedded broker
    /// keeps only the newest 5 MB of a partition, so a reader slowed by a busy machine would otherwise find the oldest
    /// messages gone (a scored message with every feature as a reason is ~6 KB; the history and a 50,000-row replay
    /// are ~163,000 messages, ~93 MB, produced faster than a slow machine scores them).
    /// </summary>
    private static EmbeddedKafka StartKafka()
    {
        var kafka = EmbeddedKafka.Start(partitions: 4, topics: [.. Topics.All.Where(t => t is not (Topics.Scored or Topics.Transactions))]);
        kafka.CreateTopic(Topics.Scored, 16);
        kafka.CreateTopic(Topics.Transactions, 32);
        return kafka;
    }

    /// <summary>Scoring (waiting for the champion from <paramref name="modelDirectory"/>), then the Producer with <paramref name="producer"/>.</summary>
    public static async Task<LiveSystem> StartAsync(string modelDirectory, Dictionary<string, string?> scoring, Dictionary<string, string?> producer)
    {
        var system = new LiveSystem(Directory.CreateTempSubdirectory("live-system-"));
        try
        {
            await ScoringModels.RegistryWithChampionAsync(Path.Combine(system.Data.FullName, "scoring", "registry"), modelDirectory);
            system.ScoringUrl = await system.StartHostAsync("scoring", typeof(ScoringApi), new(scoring)
            {
                ["Scoring:Consumer:session.timeout.ms"] = "6000",
            }, builder => builder.AddScoringServices(), app => app.MapScoringApi());
            system.ProducerUrl = await system.StartHostAsync("producer", typeof(ProducerApi), producer,
                builder => builder.AddProducerServices(), app => app.MapProducerApi());
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Scoring's <c>GET /api/scoring/stats</c>.</summary>
    public async Task<JsonElement> ScoringStatsAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(ScoringUrl!, "/api/scoring/stats")));
        return document.RootElement.Clone();
    }

    /// <summary>Values of a counter on a service's <c>/metrics</c>, by the value of <paramref name="label"/> (summed over other labels).</summary>
    public async Task<Dictionary<string, double>> CounterAsync(Uri service, string name, string label)
    {
        var text = await _http.GetStringAsync(new Uri(service, "/metrics"));
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Match line in SeriesLine().Matches(text))
        {
            if (line.Groups["name"].Value != name)
            {
                continue;
            }
            var labels = line.Groups["labels"].Value;
            var key = Regex.Match(labels, label + "=\"(?<v>[^\"]*)\"") is { Success: true } m ? m.Groups["v"].Value : "";
            values[key] = values.GetValueOrDefault(key) + double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>Every scored message, read from the beginning until <paramref name="count"/> arrived or the time is up.</summary>
    public List<ScoredTransaction> ReadScored(int count, TimeSpan timeout)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = "live-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Error,
        }).Build();
        // Messages the broker dropped before they were read fail the read (an offset out of range) instead of being skipped.
        reader.Assign(Enumerable.Range(0, PartitionCount(Topics.Scored)).Select(p => new TopicPartitionOffset(Topics.Scored, p, new Offset(0))));
        var scored = new List<ScoredTransaction>();
        var clock = Stopwatch.StartNew();
        while (scored.Count < count && clock.Elapsed < timeout)
        {
            if (reader.Consume(100) is { } message)
            {
                scored.Add(JsonSerializer.Deserialize(message.Message.Value, FraudJsonContext.Default.ScoredTransaction)!);
            }
        }
        reader.Close();
        return scored;
    }

    /// <summary>Messages of <paramref name="topic"/> the broker has dropped (its retention): the sum of the low watermarks.</summary>
    public long DroppedByBroker(string topic)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = Kafka.BootstrapServers, GroupId = "watermarks" }).Build();
        return Enumerable.Range(0, PartitionCount(topic))
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).Low.Value);
    }

    private int PartitionCount(string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Kafka.BootstrapServers }).Build();
        return admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count;
    }

    private async Task<Uri> StartHostAsync(string name, Type api, Dictionary<string, string?> settings, Action<WebApplicationBuilder> addService,
        Action<WebApplication> mapApi)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = api.Assembly.GetName().Name,
            EnvironmentName = "Testing",
        });
        builder.ListenOnLoopback();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = Kafka.BootstrapServers,
            ["FraudDetection:DataDirectory"] = Path.Combine(Data.FullName, name),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        addService(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        mapApi(app);
        await app.StartAsync();
        _apps.Add(app);
        return app.BaseAddress();
    }

    public async ValueTask DisposeAsync()
    {
        // The Producer first, so that Scoring stops on a quiet topic.
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _http.Dispose();
        Kafka.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Data.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment; the temp folder is the OS's to clean.
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eEinfNa]+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
