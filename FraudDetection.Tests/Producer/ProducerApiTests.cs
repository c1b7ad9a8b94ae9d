using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Telemetry;
using FraudDetection.Core.Transactions;
using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Extensions;
using FraudDetection.Producer.Hosting;
using FraudDetection.Producer.Options;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Producer;

public sealed class ProducerApiTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly EmbeddedKafka _kafka = EmbeddedKafka.Start(partitions: 3, topics: [Topics.Transactions]);
    private readonly List<WebApplication> _apps = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        _kafka.Dispose();
    }

    private async Task<(WebApplication App, HttpClient Http)> StartHostAsync(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.ListenOnLoopback();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddProducerServices();
        var app = builder.Build();
        app.MapProducerApi();
        await app.StartAsync();
        _apps.Add(app);
        return (app, new HttpClient { BaseAddress = app.BaseAddress() });
    }

    private Dictionary<string, string?> Settings(double rate) => new()
    {
        ["ConnectionStrings:kafka"] = _kafka.BootstrapServers,
        ["Producer:File"] = RepoPaths.KaggleSlice("fraudTrain.head.csv"),
        ["Producer:Rate"] = rate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Producer:Loop"] = "false",
        ["Producer:Autostart"] = "false",
    };

    private static async Task<ProducerStatus> StatusAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<ProducerStatus>("/api/producer", Json))!;

    private static async Task<ProducerStatus> WaitForAsync(HttpClient http, Func<ProducerStatus, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var status = await StatusAsync(http);
            if (condition(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }
            await Task.Delay(50);
        }
    }

    private List<ConsumeResult<string, string>> ReadTopic(int expected)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = _kafka.BootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(Topics.Transactions, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                results.Add(result);
            }
        }
        // Nothing beyond what was expected.
        if (consumer.Consume(TimeSpan.FromMilliseconds(500)) is { } extra)
        {
            results.Add(extra);
        }
        return results;
    }

    [Fact]
    public async Task Start_rate_and_stop_drive_the_producer_and_every_sent_transaction_reaches_the_topic()
    {
        var (app, http) = await StartHostAsync(Settings(rate: 2000));
        var produced = 0L;
        var meter = app.Services.GetRequiredService<IMeterFactory>().Create(FraudMetrics.ProducerMeter);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == FraudMetrics.TransactionsProduced)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref produced, value));
        listener.Start();

        (await StatusAsync(http)).State.Should().Be(ProducerController.Stopped);

        var start = await http.PostAsync("/api/producer/start", null);
        start.StatusCode.Should().Be(HttpStatusCode.OK);
        (await start.Content.ReadFromJsonAsync<ProducerStatus>(Json))!.State.Should().Be(ProducerController.Running);
        (await WaitForAsync(http, s => s.Acknowledged >= 300)).Acknowledged.Should().BeGreaterThanOrEqualTo(300);

        var rate = await http.PutAsJsonAsync("/api/producer/rate", new RateRequest(50));
        rate.StatusCode.Should().Be(HttpStatusCode.OK);
        (await rate.Content.ReadFromJsonAsync<ProducerStatus>(Json))!.Rate.Should().Be(50);
        (await http.PutAsJsonAsync("/api/producer/rate", new RateRequest(0))).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        var stop = await http.PostAsync("/api/producer/stop", null);
        stop.StatusCode.Should().Be(HttpStatusCode.OK);
        var stopped = (await stop.Content.ReadFromJsonAsync<ProducerStatus>(Json))!;
        stopped.State.Should().Be(ProducerController.Stopped);
        stopped.Acknowledged.Should().Be(stopped.Sent);
        stopped.Failed.Should().Be(0);
        await Task.Delay(300);
        (await StatusAsync(http)).Sent.Should().Be(stopped.Sent, "nothing is sent after stop");

        var messages = ReadTopic((int)stopped.Sent);
        messages.Should().HaveCount((int)stopped.Sent);
        var file = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).Take((int)stopped.Sent).ToList();
        var received = messages.Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.Transaction)!).ToList();
        received.Select(t => t.TransNum).Should().BeEquivalentTo(file.Select(t => t.TransNum));
        messages.Should().OnlyContain(m => m.Message.Key == JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.Transaction)!.CcNum.ToString());
        // One card's events keep file order within its partition.
        foreach (var card in received.GroupBy(t => t.CcNum))
        {
            card.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder();
        }
        Interlocked.Read(ref produced).Should().Be(stopped.Acknowledged, "the produced counter counts acknowledged transactions");
    }

    [Fact]
    public async Task The_history_goes_first_with_its_header_moved_by_the_replays_own_weeks()
    {
        var folder = Directory.CreateTempSubdirectory("producer-history-");
        try
        {
            var history = BundledData.SampleTail(TimeSpan.FromHours(12));
            var replay = BundledData.ReplayHead(300);
            var settings = Settings(rate: 5000);
            settings["Producer:File"] = BundledData.Write(folder.FullName, "replay.csv", replay);
            settings["Producer:History"] = BundledData.Write(folder.FullName, "history.csv", history);
            settings["Producer:Autostart"] = "true";
            var (_, http) = await StartHostAsync(settings);

            var done = await WaitForAsync(http, s => s.State == ProducerController.Finished);
            done.State.Should().Be(ProducerController.Finished);
            done.HistorySent.Should().Be(history.Count);
            done.Sent.Should().Be(replay.Count);

            var messages = ReadTopic(history.Count + replay.Count);
            messages.Should().HaveCount(history.Count + replay.Count);
            bool IsHistory(ConsumeResult<string, string> m) => m.Message.Headers?.TryGetLastBytes(Topics.HistoryHeader, out _) == true;
            var received = messages.Select(m => (History: IsHistory(m), Tx: JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.Transaction)!)).ToList();
            received.Where(r => r.History).Select(r => r.Tx.TransNum).Should().BeEquivalentTo(history.Select(t => t.TransNum));
            received.Where(r => !r.History).Select(r => r.Tx.TransNum).Should().BeEquivalentTo(replay.Select(t => t.TransNum));
            foreach (var partition in messages.GroupBy(m => m.Partition.Value))
            {
                partition.Select(IsHistory).SkipWhile(h => h).Should().OnlyContain(h => !h, "in each partition the history comes before the replay");
            }
            var original = history.Concat(replay).ToDictionary(t => t.TransNum);
            var shifts = received.Select(r => r.Tx.TransDateTransTime - original[r.Tx.TransNum].TransDateTransTime).Distinct().ToList();
            shifts.Should().ContainSingle("history and replay move by the same shift");
            (shifts[0].Ticks % TimeSpan.FromDays(7).Ticks).Should().Be(0);
            received.Should().OnlyContain(r => r.Tx.Dob == original[r.Tx.TransNum].Dob.AddDays(shifts[0].Days));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(null, null, new string[0])]
    [InlineData("data/replay.csv.gz", null, new[] { "data/sample.csv.gz" })]
    [InlineData("data/replay.csv.gz", "", new string[0])]
    [InlineData("other.csv", "a.csv; b.csv", new[] { "a.csv", "b.csv" })]
    public void History_defaults_to_the_bundled_weeks_before_the_bundled_replay_only(string? file, string? history, string[] expected)
    {
        var options = new ProducerOptions { History = history };
        options.File = file ?? "other.csv";

        options.HistoryFiles().Should().Equal(expected);
    }

    [Fact]
    public async Task Burst_sends_a_fraud_pattern_now_and_propagates_trace_context()
    {
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "FraudDetection.Producer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);
        var (_, http) = await StartHostAsync(Settings(rate: 5));

        var response = await http.PostAsJsonAsync("/api/producer/burst", new BurstRequest("card-testing", 2));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var burst = (await response.Content.ReadFromJsonAsync<BurstResult>(Json))!;
        burst.Transactions.Should().BeGreaterThanOrEqualTo(12);
        burst.FraudLabelled.Should().Be(burst.Transactions);
        burst.Cards.Should().OnlyContain(c => c.StartsWith("****") && c.Length == 8);

        var messages = ReadTopic(burst.Transactions);
        messages.Should().HaveCount(burst.Transactions);
        messages.Count(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.Transaction)!.Amt < 5).Should().BeGreaterThanOrEqualTo(10);
        foreach (var message in messages)
        {
            message.Message.Headers.TryGetLastBytes(Topics.TraceParentHeader, out var traceParent).Should().BeTrue();
            Encoding.ASCII.GetString(traceParent).Should().MatchRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
        }

        (await http.PostAsJsonAsync("/api/producer/burst", new BurstRequest("normal", 1))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Without_a_kafka_connection_string_start_answers_one_clear_error_and_the_host_stays_up()
    {
        var settings = Settings(rate: 5);
        settings.Remove("ConnectionStrings:kafka");
        settings["Producer:Autostart"] = "true";
        var (app, http) = await StartHostAsync(settings);

        var start = await http.PostAsync("/api/producer/start", null);

        start.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await start.Content.ReadAsStringAsync()).Should().Contain("ConnectionStrings:kafka");
        var status = await StatusAsync(http);
        status.State.Should().Be(ProducerController.Faulted);
        status.LastError.Should().Contain("ConnectionStrings:kafka");
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        health.Entries["kafka-producer"].Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task An_unreachable_broker_makes_the_producer_degraded_not_down()
    {
        var settings = Settings(rate: 200);
        settings["ConnectionStrings:kafka"] = "127.0.0.1:1";
        settings["Producer:FlushTimeoutSeconds"] = "0.5";
        settings["Producer:Autostart"] = "true";
        var (app, http) = await StartHostAsync(settings);

        var status = await WaitForAsync(http, s => s.Sent > 0 && s.LastError is not null);
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        status.State.Should().Be(ProducerController.Running);
        status.Acknowledged.Should().Be(0);
        health.Entries["kafka-producer"].Status.Should().Be(HealthStatus.Degraded);
        (await http.PostAsync("/api/producer/stop", null)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_looped_replay_reports_the_pass_it_is_sending_not_the_one_read_ahead()
    {
        const int fileRows = 5_038;
        var settings = Settings(rate: 2_000);
        settings["Producer:Loop"] = "true";
        settings["Producer:Autostart"] = "true";
        var (_, http) = await StartHostAsync(settings);

        var first = await WaitForAsync(http, s => s.Sent > 0);
        var later = await WaitForAsync(http, s => s.Sent > 2 * fileRows + 1_100);
        await http.PostAsync("/api/producer/stop", null);

        first.Source.Should().Be("replay fraudTrain.head.csv (pass 1)", "the read-ahead is already passes further on");
        // The batch being sent began at most one read-ahead batch (1,024 rows) before the count sent.
        later.Source.Should().BeOneOf(
            $"replay fraudTrain.head.csv (pass {(later.Sent - 1_023) / fileRows + 1})",
            $"replay fraudTrain.head.csv (pass {later.Sent / fileRows + 1})");
    }

    [Fact]
    public async Task A_synthetic_scenario_from_configuration_autostarts_and_labels_fraud()
    {
        var settings = Settings(rate: 500);
        settings["Producer:Scenario"] = "mix";
        settings["Producer:FraudShare"] = "0.2";
        settings["Producer:Autostart"] = "true";
        var (_, http) = await StartHostAsync(settings);

        var status = await WaitForAsync(http, s => s.Acknowledged >= 200);
        await http.PostAsync("/api/producer/stop", null);

        status.Source.Should().Be("synth mix");
        status.Acknowledged.Should().BeGreaterThanOrEqualTo(200);
        var messages = ReadTopic((int)(await StatusAsync(http)).Acknowledged);
        messages.Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.Transaction)!)
            .Count(t => t.IsFraud == 1).Should().BeGreaterThan(0);
    }
}
