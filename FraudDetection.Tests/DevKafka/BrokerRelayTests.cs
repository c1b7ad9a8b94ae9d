using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using FraudDetection.DevKafka.Hosting;
using FraudDetection.DevKafka.Kafka;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Tests.DevKafka;

/// <summary>The development broker's relay against real librdkafka clients: frames pass intact and fetches are long-polled.</summary>
public class BrokerRelayTests
{
    private const string Watched = "relay-watched";
    private const string Other = "relay-other";

    [Theory]
    [InlineData(3)]
    [InlineData(200_000)] // a produce larger than the relay's buffer: its topics are not read, it wakes every fetch
    public async Task A_consumer_that_waits_long_gets_a_record_as_soon_as_it_is_produced(int valueLength)
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        using var consumer = broker.Consumer(fetchWaitMs: 30_000);
        consumer.Assign(new TopicPartitionOffset(Watched, 0, Offset.Beginning));
        consumer.Consume(TimeSpan.FromMilliseconds(200)).Should().BeNull("nothing is there yet");
        await broker.UntilAsync(() => broker.Relay.LongPollCounts.Held >= 1, "the idle fetch's empty answer is held");

        var sent = Stopwatch.StartNew();
        using (var producer = broker.Producer())
        {
            await producer.ProduceAsync(new TopicPartition(Watched, 0), new Message<string, string> { Key = "k", Value = "now".PadRight(valueLength, '.') });
        }
        var record = consumer.Consume(TimeSpan.FromSeconds(20));

        record.Should().NotBeNull("the held fetch is asked again when its topic gets data, not after its 30 s wait");
        record!.Message.Value.Should().Be("now".PadRight(valueLength, '.'));
        sent.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(15));
        broker.Relay.LongPollCounts.WokenByData.Should().BeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task An_idle_fetch_is_answered_at_its_wait_and_data_on_another_topic_does_not_wake_it()
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        using var consumer = await broker.IdleConsumerAsync(fetchWaitMs: 250);
        var before = broker.Relay.LongPollCounts;

        using var producer = broker.Producer();
        var idle = Stopwatch.StartNew();
        for (var i = 0; i < 40; i++)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(50)).Should().BeNull();
            await producer.ProduceAsync(new TopicPartition(Other, 0), new Message<string, string> { Key = "k", Value = $"other-{i}" });
        }
        var after = broker.Relay.LongPollCounts;
        var seconds = idle.Elapsed.TotalSeconds;

        (after.WokenByData - before.WokenByData).Should().Be(0, "only a produce to one of the fetch's own topics wakes it");
        var answered = after.AnsweredAtDeadline - before.AnsweredAtDeadline;
        answered.Should().BeGreaterThanOrEqualTo((long)(seconds * 1000 / 250) - 3, "each empty answer goes back when the 250 ms wait is over");
        answered.Should().BeLessThanOrEqualTo((long)(seconds * 1000 / 250) + 3, "and not sooner: the consumer does not ask in a busy loop");

        await producer.ProduceAsync(new TopicPartition(Watched, 0), new Message<string, string> { Key = "k", Value = "mine" });
        consumer.Consume(TimeSpan.FromSeconds(10))!.Message.Value.Should().Be("mine");
    }

    [Fact]
    public async Task A_fetch_after_records_is_held_briefly_and_the_one_after_an_empty_answer_for_its_whole_wait()
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        using var consumer = await broker.IdleConsumerAsync(fetchWaitMs: 5_000);
        using (var producer = broker.Producer())
        {
            await producer.ProduceAsync(new TopicPartition(Watched, 0), new Message<string, string> { Key = "k", Value = "data" });
        }
        consumer.Consume(TimeSpan.FromSeconds(10))!.Message.Value.Should().Be("data");
        var before = broker.Relay.LongPollCounts.AnsweredAtDeadline;

        var catchingUp = Stopwatch.StartNew();
        await broker.UntilAsync(() => broker.Relay.LongPollCounts.AnsweredAtDeadline > before, "the fetch after the record is answered empty");
        catchingUp.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2.5),
            $"a fetch that follows records is held at most {FetchLongPoll.CatchingUpWaitMs} ms, not the consumer's 5 s");
        var afterEmpty = broker.Relay.LongPollCounts.AnsweredAtDeadline;
        consumer.Consume(TimeSpan.FromSeconds(2)).Should().BeNull();
        broker.Relay.LongPollCounts.AnsweredAtDeadline.Should().Be(afterEmpty, "the fetch after an empty answer waits its whole 5 s");
    }

    [Fact]
    public async Task An_idle_fetch_asked_again_is_answered_by_the_relay_until_its_topic_gets_data_or_records_are_deleted()
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        var partition = new TopicPartition(Watched, 0);
        var other = new TopicPartition(Watched, 1);
        using (var producer = broker.Producer())
        {
            for (var i = 0; i < 3; i++)
            {
                await producer.ProduceAsync(partition, new Message<string, string> { Key = "k", Value = $"old-{i}" });
            }
            await producer.ProduceAsync(other, new Message<string, string> { Key = "k", Value = "other" });
        }
        var errors = new List<string>();
        using var consumer = broker.Consumer(fetchWaitMs: 100, errors.Add);
        // Two partitions: librdkafka starts each fetch at the next one, and a repeat is answered in the fetch's order.
        consumer.Assign([new TopicPartitionOffset(partition, Offset.Beginning), new TopicPartitionOffset(other, Offset.Beginning)]);
        var values = Enumerable.Range(0, 4).Select(_ => consumer.Consume(TimeSpan.FromSeconds(10))!.Message.Value).ToList();
        values.Should().BeEquivalentTo(["old-0", "old-1", "old-2", "other"]);
        await broker.UntilAsync(() => broker.Relay.RepeatedFetches >= 5, "an idle consumer's fetches repeat the one the broker answered empty");
        consumer.Consume(TimeSpan.FromMilliseconds(300)).Should().BeNull();
        consumer.GetWatermarkOffsets(partition).High.Value.Should().Be(3, "each partition's answer stays its own");
        consumer.GetWatermarkOffsets(other).High.Value.Should().Be(1);

        // Records deleted beside the relay: the next fetch goes to the broker, and the client learns the new log start.
        broker.Kafka.DeleteRecords(Watched, 0, 2);
        await broker.UntilAsync(() => PollLogStart(consumer, partition) == 2, "a fetch after the deletion is answered by the broker, with its log start");
        var repeated = broker.Relay.RepeatedFetches;
        await broker.UntilAsync(() => broker.Relay.RepeatedFetches >= repeated + 5, "and the fetches after it repeat that answer");

        var sent = Stopwatch.StartNew();
        using (var producer = broker.Producer())
        {
            await producer.ProduceAsync(partition, new Message<string, string> { Key = "k", Value = "new" });
        }
        consumer.Consume(TimeSpan.FromSeconds(10))!.Message.Value.Should().Be("new", "a produce to the topic ends the repeats");
        sent.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        errors.Should().BeEmpty("the client read every repeated answer");
    }

    /// <summary>The log start the consumer's fetch answers told it (librdkafka keeps it from each answer).</summary>
    private static long PollLogStart(IConsumer<string, string> consumer, TopicPartition partition)
    {
        consumer.Consume(TimeSpan.FromMilliseconds(50)).Should().BeNull();
        return consumer.GetWatermarkOffsets(partition).Low.Value;
    }

    [Fact]
    public async Task A_repeated_fetch_is_answered_after_the_requests_before_it()
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, broker.Relay.LocalEndPoint.Port);
        byte[] Fetch(int correlationId) => Frame(apiKey: 1, version: 4, correlationId, body =>
        {
            body.Int32(-1).Int32(300).Int32(1).Int32(1 << 20).Int8(0); // replica, max wait, min and max bytes, isolation
            body.Int32(1).String(Watched).Int32(2); // one topic, partitions 0 and 1 from offset 0
            body.Int32(0).Int64(0).Int32(1 << 20).Int32(1).Int64(0).Int32(1 << 20);
        });

        await socket.SendAsync(Fetch(1));
        var first = await ReadAnswerAsync(socket);
        ResponseCorrelationId(first).Should().Be(1);
        broker.Relay.RepeatedFetches.Should().Be(0, "the first fetch goes to the broker");

        // ApiVersions and the same fetch again, back to back: the fetch is not answered before ApiVersions is.
        byte[] both = [.. Frame(apiKey: 18, version: 0, correlationId: 2, _ => { }), .. Fetch(3)];
        await socket.SendAsync(both);
        (await ReadCorrelationIdAsync(socket)).Should().Be(2);
        (await ReadCorrelationIdAsync(socket)).Should().Be(3);

        var repeated = broker.Relay.RepeatedFetches;
        var held = Stopwatch.StartNew();
        await socket.SendAsync(Fetch(4));
        var again = await ReadAnswerAsync(socket);
        held.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(250), "a repeated answer is held for the fetch's wait, as the broker's is");
        broker.Relay.RepeatedFetches.Should().Be(repeated + 1, "nothing was produced since: the relay answered it");
        ResponseCorrelationId(again).Should().Be(4, "with the repeated fetch's own correlation id");
        again[4..].Should().Equal(first[4..], "and otherwise the broker's answer byte for byte");
    }

    private static int ResponseCorrelationId(byte[] answer) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(answer);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Every_record_passes_intact_in_order_large_batches_included(bool longPoll)
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll);
        const int perPartition = 3_000;
        var payload = new string('x', 700); // ~2 MB a partition: batches of up to 1 MB, frames larger than the relay's buffer
        using (var producer = broker.Producer(lingerMs: 50))
        {
            for (var i = 0; i < perPartition; i++)
            {
                for (var p = 0; p < 2; p++)
                {
                    producer.Produce(new TopicPartition(Watched, p), new Message<string, string> { Key = $"{p}", Value = $"{i}:{payload}" });
                }
            }
            producer.Flush(TimeSpan.FromSeconds(30)).Should().Be(0);
        }
        using var consumer = broker.Consumer(fetchWaitMs: 500);
        consumer.Assign([new TopicPartitionOffset(Watched, 0, Offset.Beginning), new TopicPartitionOffset(Watched, 1, Offset.Beginning)]);

        var next = new int[2];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (next.Sum() < 2 * perPartition && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { } record)
            {
                var partition = record.Partition.Value;
                record.Message.Value.Should().Be($"{next[partition]}:{payload}");
                next[partition]++;
            }
        }
        next.Should().Equal(perPartition, perPartition);
    }

    [Fact]
    public async Task Answers_go_back_in_the_order_of_the_requests_while_a_fetch_is_held()
    {
        await using var broker = await RelayedBroker.StartAsync(longPoll: true);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, broker.Relay.LocalEndPoint.Port);

        // A fetch of an empty partition (held for up to 1.5 s), then ApiVersions on the same connection.
        await socket.SendAsync(Frame(apiKey: 1, version: 4, correlationId: 1, body =>
        {
            body.Int32(-1).Int32(1_500).Int32(1).Int32(1 << 20).Int8(0); // replica, max wait, min and max bytes, isolation
            body.Int32(1).String(Watched).Int32(1).Int32(0).Int64(0).Int32(1 << 20); // one topic, partition 0 from offset 0
        }));
        await socket.SendAsync(Frame(apiKey: 18, version: 0, correlationId: 2, _ => { }));

        (await ReadCorrelationIdAsync(socket)).Should().Be(1, "Kafka answers a connection's requests in order, and Java clients check it");
        (await ReadCorrelationIdAsync(socket)).Should().Be(2);
        broker.Relay.LongPollCounts.Held.Should().BeGreaterThanOrEqualTo(1, "the fetch's empty answer was held while ApiVersions was answered");
    }

    /// <summary>A request frame: size, API key, version, correlation id, client id, body.</summary>
    private static byte[] Frame(short apiKey, short version, int correlationId, Action<BigEndian> body)
    {
        var payload = new BigEndian().Int16(apiKey).Int16(version).Int32(correlationId).String("t");
        body(payload);
        return [.. new BigEndian().Int32(payload.Bytes.Count).Bytes, .. payload.Bytes];
    }

    private static async Task<int> ReadCorrelationIdAsync(Socket socket) => ResponseCorrelationId(await ReadAnswerAsync(socket));

    /// <summary>An answer's payload: correlation id first.</summary>
    private static async Task<byte[]> ReadAnswerAsync(Socket socket)
    {
        var size = new byte[4];
        await socket.ReceiveAsync(size.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var payload = new byte[System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(size)];
        for (var read = 0; read < payload.Length;)
        {
            read += await socket.ReceiveAsync(payload.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        return payload;
    }

    private sealed class BigEndian
    {
        public List<byte> Bytes { get; } = [];

        public BigEndian Int8(sbyte value) => Add([(byte)value]);

        public BigEndian Int16(short value) => Add([(byte)(value >> 8), (byte)value]);

        public BigEndian Int32(int value) => Add([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);

        public BigEndian Int64(long value) => Int32((int)(value >> 32)).Int32((int)value);

        public BigEndian String(string value) => Int16((short)value.Length).Add(System.Text.Encoding.UTF8.GetBytes(value));

        private BigEndian Add(byte[] bytes)
        {
            Bytes.AddRange(bytes);
            return this;
        }
    }

    [Fact]
    public void A_frame_this_reader_does_not_follow_counts_as_news_and_a_short_header_is_refused()
    {
        KafkaWire.SplitEmptyFetchAnswer([0, 0, 0, 1, 0, 0], version: 12).Should().BeNull("a fetch answer that cannot be read is news: it goes to the client at once");
        KafkaWire.TryReadRequestHeader([0, 1, 0], out _).Should().BeFalse();
    }

    /// <summary>A mock cluster behind a relay on an ephemeral port, as <see cref="DevKafkaBroker"/> sets it up.</summary>
    private sealed class RelayedBroker : IAsyncDisposable
    {
        private RelayedBroker(EmbeddedKafka kafka, BrokerRelay relay)
        {
            Kafka = kafka;
            Relay = relay;
        }

        public EmbeddedKafka Kafka { get; }

        public BrokerRelay Relay { get; }

        private string Bootstrap => $"127.0.0.1:{Relay.LocalEndPoint.Port}";

        public static Task<RelayedBroker> StartAsync(bool longPoll)
        {
            var kafka = EmbeddedKafka.Start(brokers: 1, partitions: 2, Watched, Other);
            if (longPoll)
            {
                kafka.LimitApiVersions(KafkaWire.Fetch, 0, KafkaWire.NewestLongPolledFetch);
            }
            var relay = BrokerRelay.Start(new IPEndPoint(IPAddress.Loopback, 0), IPEndPoint.Parse(kafka.BootstrapServers), NullLogger.Instance, longPoll, () => kafka.LogChanges);
            kafka.Advertise(1, "127.0.0.1", relay.LocalEndPoint.Port);
            return Task.FromResult(new RelayedBroker(kafka, relay));
        }

        public IConsumer<string, string> Consumer(int fetchWaitMs, Action<string>? onError = null) => new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = Bootstrap,
            GroupId = "relay-test",
            EnableAutoCommit = false,
            FetchWaitMaxMs = fetchWaitMs,
        }).SetErrorHandler((_, error) => onError?.Invoke(error.Reason)).Build();

        /// <summary>A consumer of <see cref="Watched"/>'s partition 0, once its first idle fetch is held.</summary>
        public async Task<IConsumer<string, string>> IdleConsumerAsync(int fetchWaitMs)
        {
            var consumer = Consumer(fetchWaitMs);
            consumer.Assign(new TopicPartitionOffset(Watched, 0, Offset.Beginning));
            await UntilAsync(() => Relay.LongPollCounts.Held >= 1, "the idle fetch's empty answer is held");
            return consumer;
        }

        public IProducer<string, string> Producer(int lingerMs = 0) =>
            new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Bootstrap, LingerMs = lingerMs }).Build();

        public async Task UntilAsync(Func<bool> condition, string because)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!condition())
            {
                DateTime.UtcNow.Should().BeBefore(deadline, because);
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Relay.DisposeAsync();
            Kafka.Dispose();
        }
    }
}
