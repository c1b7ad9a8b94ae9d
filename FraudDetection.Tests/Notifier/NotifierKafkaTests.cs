using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Notifier.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace FraudDetection.Tests.Notifier;

[Trait("Category", "Integration")]
public sealed class NotifierKafkaTests : IDisposable
{
    private const string MemoPath = "/v2/api/talk/memo/default/send";
    private readonly TempFolder _data = new("fd-notifier");

    public void Dispose() => _data.Dispose();

    private static IHost StartNotifier(Dictionary<string, string?> settings, CapturingLoggerProvider logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(logs);
        builder.AddServiceDefaults();
        builder.AddNotifierServices();
        var host = builder.Build();
        host.Start();
        return host;
    }

    [Fact]
    public async Task A_restart_mid_stream_loses_nothing_and_sends_nothing_twice()
    {
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "FraudDetection.Notifier",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var kafka = EmbeddedKafka.Start(partitions: 2);
        using var kakao = TestNetwork.StartFake();
        // A slow Kakao, so the stop lands mid-stream.
        kakao.Given(Request.Create().WithPath(MemoPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}""").WithDelay(TimeSpan.FromMilliseconds(120)));

        // 20 alerts on 20 cards (no coalescing), one of them delivered twice by the producer.
        var alerts = Enumerable.Range(0, 20)
            .Select(i => TestAlerts.Make($"k-{i:00}", card: 4000_0000_0000_0000 + i * 7919L))
            .ToList();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            foreach (var alert in alerts.Append(alerts[3]))
            {
                producer.Produce(Topics.Alerts, new Message<string, byte[]>
                {
                    Key = alert.CardId,
                    Value = JsonSerializer.SerializeToUtf8Bytes(alert, FraudJsonContext.Default.FraudAlert),
                    Headers = new Headers { { Topics.TraceParentHeader, Encoding.ASCII.GetBytes($"00-{traceId}-b7ad6b7169203331-01") } },
                });
            }
            producer.Produce(Topics.Alerts, new Message<string, byte[]> { Key = "bad", Value = "{not json"u8.ToArray() });
            producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
        }

        var settings = NotifierTestHost.Settings(_data.Path, kakao.Url);
        settings["ConnectionStrings:kafka"] = kafka.BootstrapServers;
        // The mock coordinator makes a new member wait session timeout - 1 s after a leave.
        settings["Notifier:Kafka:session.timeout.ms"] = "6000";
        var logs = new CapturingLoggerProvider();

        var first = StartNotifier(settings, logs);
        await WaitUntil(() => kakao.Requests(MemoPath).Count >= 5, TimeSpan.FromSeconds(30));
        await first.StopAsync();
        first.Dispose();
        var sentBeforeRestart = kakao.Requests(MemoPath).Count;
        sentBeforeRestart.Should().BeLessThan(20, "the stop came mid-stream");

        using var second = StartNotifier(settings, logs);
        await WaitUntil(() => SentTransNums(kakao).Distinct().Count() == 20, TimeSpan.FromSeconds(60));
        await Task.Delay(500);
        await second.StopAsync();

        SentTransNums(kakao).Should().BeEquivalentTo(alerts.Select(a => a.TransNum), "every alert once, none twice");

        // Traces: the receive span continues the alert's trace, and so does the send (linked to any other alert it sums up).
        activities.Should().Contain(a => a.OperationName == "receive " + Topics.Alerts && a.TraceId.ToHexString() == traceId);
        activities.Should().Contain(a => a.OperationName.StartsWith("notify", StringComparison.Ordinal) && a.TraceId.ToHexString() == traceId);

        // The unreadable message is parked on the dead-letter topic with its reason.
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers, GroupId = "dlq-check", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Topics.DeadLetter);
        var letter = consumer.Consume(TimeSpan.FromSeconds(15));
        letter.Should().NotBeNull();
        var deadLetter = JsonSerializer.Deserialize(letter!.Message.Value, FraudJsonContext.Default.DeadLetter)!;
        deadLetter.SourceTopic.Should().Be(Topics.Alerts);
        deadLetter.Reason.Should().Be(DeadLetterReasons.Unparseable);
        consumer.Close();
    }

    [Fact]
    public async Task Every_kind_of_malformed_alert_between_good_ones_is_dead_lettered_with_its_reason_and_the_good_ones_are_sent()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 2);
        using var kakao = TestNetwork.StartFake();
        kakao.Given(Request.Create().WithPath(MemoPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        var good = Enumerable.Range(0, 6).Select(i => TestAlerts.Make($"good-{i}", card: 4000_0000_0000_0000 + i * 7919L)).ToList();
        var corpus = MalformedAlerts.Corpus([.. Enumerable.Range(0, 30).Select(i => TestAlerts.Make($"bad-{i:00}", card: 4100_0000_0000_0000 + i * 104_729L))]);
        corpus.Should().HaveCountGreaterThanOrEqualTo(20);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < corpus.Length; i++)
            {
                if (i % 4 == 0 && i / 4 < good.Count)
                {
                    producer.Produce(Topics.Alerts, new Message<string, byte[]> { Key = good[i / 4].CardId, Value = JsonSerializer.SerializeToUtf8Bytes(good[i / 4], FraudJsonContext.Default.FraudAlert) });
                }
                producer.Produce(Topics.Alerts, new Message<string, byte[]> { Key = "bad", Value = corpus[i].Value });
            }
            producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
        }
        var settings = NotifierTestHost.Settings(_data.Path, kakao.Url);
        settings["ConnectionStrings:kafka"] = kafka.BootstrapServers;
        var logs = new CapturingLoggerProvider();

        using var host = StartNotifier(settings, logs);
        await WaitUntil(() => SentTransNums(kakao).Distinct().Count() == good.Count, TimeSpan.FromSeconds(60));

        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers, GroupId = "dlq-corpus", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Topics.DeadLetter);
        var letters = new List<DeadLetter>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (letters.Count < corpus.Length && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: not null } letter)
            {
                letters.Add(JsonSerializer.Deserialize(letter.Message.Value, FraudJsonContext.Default.DeadLetter)!);
            }
        }
        consumer.Close();
        await host.StopAsync();

        SentTransNums(kakao).Should().BeEquivalentTo(good.Select(a => a.TransNum), "each good alert once, no bad one");
        letters.Should().HaveCount(corpus.Length, "every bad alert is parked, none is dropped");
        letters.Should().OnlyContain(l => l.SourceTopic == Topics.Alerts && !string.IsNullOrWhiteSpace(l.Reason));
        letters.Select(l => l.Error).Should().Contain(e => e.Contains("masked", StringComparison.Ordinal), "a full card number is named as the problem");
        kakao.Requests(MemoPath).Should().NotContain(r => r.RequestMessage!.Body!.Contains("4000123412341234"), "no full card number reaches a message");
    }

    private static IEnumerable<string> SentTransNums(WireMock.Server.WireMockServer kakao) =>
        kakao.Requests(MemoPath).Select(r =>
            JsonDocument.Parse(r.Form()["template_object"]).RootElement.GetProperty("link").GetProperty("web_url").GetString()!.Split('?')[0].Split('/')[^1]);

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in " + timeout);
            }
            await Task.Delay(50);
        }
    }
}
