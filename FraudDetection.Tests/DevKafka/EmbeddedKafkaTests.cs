using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Tests.DevKafka;

public class EmbeddedKafkaTests
{
    [Fact]
    public void Starts_on_loopback_with_every_topic_of_the_system()
    {
        using var kafka = EmbeddedKafka.Start(brokers: 2, partitions: 3);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        kafka.BootstrapServers.Split(',').Should().HaveCount(2).And.OnlyContain(s => s.StartsWith("127.0.0.1:"));
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        metadata.Brokers.Should().HaveCount(2);
        foreach (var topic in Topics.All)
        {
            metadata.Topics.Should().ContainSingle(t => t.Topic == topic).Which.Partitions.Should().HaveCount(3);
        }
    }

    [Fact]
    public void CreateTopic_adds_a_topic_with_the_asked_partitions()
    {
        using var kafka = EmbeddedKafka.Start(1, 2, "only-this");
        kafka.CreateTopic("extra", 7);
        kafka.CreateTopic("extra", 7); // again: left as it is
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();

        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        metadata.Topics.Should().ContainSingle(t => t.Topic == "extra").Which.Partitions.Should().HaveCount(7);
        metadata.Topics.Should().ContainSingle(t => t.Topic == "only-this").Which.Partitions.Should().HaveCount(2);
    }

    [Fact]
    public void A_second_consumer_in_the_group_resumes_after_the_committed_offsets()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 4);
        const int total = 200;
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (var i = 0; i < total; i++)
            {
                producer.Produce(Topics.Transactions, new Message<string, string> { Key = $"card-{i % 13}", Value = $"tx-{i}" });
            }
            producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0, "every message is acknowledged");
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "resume-test",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            // The mock coordinator waits session timeout - 1 s before a rejoin after a leave (45 s by default).
            SessionTimeoutMs = 6000,
        };
        var first = new List<string>();
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe(Topics.Transactions);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (first.Count < total / 2 && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    first.Add(result.Message.Value);
                }
            }
            consumer.Commit();
            consumer.Close();
        }

        var second = new List<string>();
        using (var consumer = new ConsumerBuilder<string, string>(config).Build())
        {
            consumer.Subscribe(Topics.Transactions);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (first.Count + second.Count < total && DateTime.UtcNow < deadline)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    second.Add(result.Message.Value);
                }
            }
            // Nothing more arrives: everything before the committed offsets stayed consumed.
            consumer.Consume(TimeSpan.FromSeconds(1)).Should().BeNull();
            consumer.Close();
        }

        first.Should().HaveCount(total / 2);
        second.Should().HaveCount(total / 2);
        first.Concat(second).Should().BeEquivalentTo(Enumerable.Range(0, total).Select(i => $"tx-{i}"));
    }

    [Fact]
    public async Task Messages_of_one_key_keep_their_order_in_one_partition()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 4, topics: Topics.Transactions);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var partitions = new HashSet<int>();
        for (var i = 0; i < 20; i++)
        {
            var result = await producer.ProduceAsync(Topics.Transactions, new Message<string, string> { Key = "4242", Value = i.ToString() });
            result.Status.Should().Be(PersistenceStatus.Persisted);
            partitions.Add(result.Partition.Value);
            result.Offset.Value.Should().Be(i);
        }
        partitions.Should().ContainSingle();
    }

    [Fact]
    public void Dispose_stops_the_brokers_and_is_idempotent()
    {
        var kafka = EmbeddedKafka.Start(topics: "t");
        var port = int.Parse(kafka.BootstrapServers.Split(':')[1]);

        kafka.Dispose();
        kafka.Dispose();

        var connect = () =>
        {
            using var client = new System.Net.Sockets.TcpClient();
            client.Connect("127.0.0.1", port);
        };
        connect.Should().Throw<System.Net.Sockets.SocketException>();
        kafka.Invoking(k => k.CreateTopic("x", 1)).Should().Throw<ObjectDisposedException>();
    }
}

public class EmbeddedKafkaRetentionTests
{
    [Fact]
    public void Each_partition_retains_only_its_newest_five_megabytes()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 1, topics: "retention");
        var value = new byte[1024];
        using (var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (var i = 0; i < 12_000; i++)
            {
                producer.Produce("retention", new Message<Null, byte[]> { Value = value });
                if (i % 1000 == 999)
                {
                    producer.Flush(TimeSpan.FromSeconds(10));
                }
            }
            producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
        }
        using var consumer = new ConsumerBuilder<Null, byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "w" }).Build();

        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition("retention", 0), TimeSpan.FromSeconds(10));

        watermarks.High.Value.Should().Be(12_000);
        watermarks.Low.Value.Should().BeGreaterThan(0, "the oldest message sets were dropped");
        (watermarks.High.Value - watermarks.Low.Value).Should().BeInRange(3_000, (int)(EmbeddedKafka.RetainedBytesPerPartition / 1024));
    }
}
