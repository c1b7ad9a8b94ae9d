using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Scoring.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.Scoring;

[Trait("Category", "Integration")]
public sealed class KafkaCheckpointStoreTests : IDisposable
{
    private const string Topic = "checkpoints-test";
    private readonly EmbeddedKafka kafka = EmbeddedKafka.Start(partitions: 4);
    private readonly List<KafkaCheckpointStore> stores = [];

    // The embedded broker never answers CreateTopics/DescribeConfigs: a short admin timeout keeps the tests quick.
    private KafkaCheckpointStore NewStore(int chunkBytes = 900_000)
    {
        var store = new KafkaCheckpointStore(kafka.BootstrapServers, Topic, chunkBytes, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(1));
        stores.Add(store);
        return store;
    }

    private static PartitionCheckpoint Checkpoint(int partition, long nextOffset, int stateBytes = 4096, int seed = 0, string group = "scoring")
    {
        var random = new Random(seed + partition * 7919 + (int)nextOffset);
        var state = new byte[stateBytes];
        random.NextBytes(state);
        var dedupe = new byte[4 + 8 * 3];
        random.NextBytes(dedupe);
        return new PartitionCheckpoint(group, Topics.Transactions, partition, nextOffset, "v-test", state, dedupe,
            new DateTimeOffset(2026, 11, 25, 15, 0, 0, TimeSpan.Zero).AddMilliseconds(nextOffset));
    }

    private static void ShouldEqual(PartitionCheckpoint? actual, PartitionCheckpoint expected)
    {
        actual.Should().NotBeNull();
        var loaded = actual!;
        loaded.Should().BeEquivalentTo(expected, o => o.Excluding(c => c.FeatureState).Excluding(c => c.DedupeWindow));
        loaded.FeatureState.Should().Equal(expected.FeatureState);
        loaded.DedupeWindow.Should().Equal(expected.DedupeWindow);
        loaded.SavedAt.Should().Be(expected.SavedAt);
    }

    private List<ConsumeResult<string, byte[]>> TopicRecords()
    {
        using var reader = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "inspect-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var partitions = stores[0].TopicPartitions;
        reader.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var records = new List<ConsumeResult<string, byte[]>>();
        var ended = new HashSet<int>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (ended.Count < partitions && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            var result = reader.Consume(200);
            if (result is null)
            {
                continue;
            }
            if (result.IsPartitionEOF)
            {
                ended.Add(result.Partition.Value);
            }
            else
            {
                records.Add(result);
            }
        }
        ended.Should().HaveCount(partitions);
        return records;
    }

    /// <summary>Appends records as a writer that stopped half-way would have left them.</summary>
    private void ProduceRaw(string baseKey, IEnumerable<KafkaCheckpointEnvelope.Record> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var partition = KafkaCheckpointStore.PartitionFor(baseKey, stores[0].TopicPartitions);
        foreach (var record in records)
        {
            producer.ProduceAsync(new TopicPartition(Topic, partition), new Message<string, byte[]> { Key = record.Key, Value = record.Value })
                .GetAwaiter().GetResult().Status.Should().Be(PersistenceStatus.Persisted);
        }
    }

    [Fact]
    public void Checkpoints_round_trip_through_the_topic_state_and_offset_together()
    {
        var writer = NewStore();
        writer.LoadAll("scoring", Topics.Transactions).Should().BeEmpty();
        var saved = Enumerable.Range(0, 3).Select(p => Checkpoint(p, 100 + p)).ToList();
        var otherGroup = Checkpoint(0, 5, group: "reference");
        writer.Save([.. saved, otherGroup]);

        var reader = NewStore(); // a fresh instance knows only what the topic holds
        var loaded = reader.LoadAll("scoring", Topics.Transactions);
        loaded.Select(c => c.Partition).Should().Equal(0, 1, 2);
        for (var p = 0; p < 3; p++)
        {
            ShouldEqual(loaded[p], saved[p]);
            ShouldEqual(reader.Load("scoring", Topics.Transactions, p), saved[p]);
        }
        ShouldEqual(reader.Load("reference", Topics.Transactions, 0), otherGroup);
        reader.Load("scoring", Topics.Transactions, 3).Should().BeNull();
        reader.Load("scoring", "other-topic", 0).Should().BeNull();

        var records = TopicRecords();
        records.Should().HaveCount(4, "one small checkpoint is one record");
        records.Select(r => r.Message.Key).Should().BeEquivalentTo(["scoring/transactions/0", "scoring/transactions/1", "scoring/transactions/2", "reference/transactions/0"]);
    }

    [Fact]
    public void The_latest_checkpoint_wins_without_compaction_and_across_instances()
    {
        var first = NewStore();
        first.Save([Checkpoint(1, 10, seed: 1)]);
        first.Save([Checkpoint(1, 20, seed: 2), Checkpoint(2, 7)]);
        var latest = Checkpoint(1, 30, seed: 3);
        first.Save([latest]);
        ShouldEqual(first.Load("scoring", Topics.Transactions, 1), latest);

        // The embedded broker never compacts: all three versions are still in the log, the loader keeps the last.
        TopicRecords().Count(r => r.Message.Key == "scoring/transactions/1").Should().Be(3);
        var second = NewStore();
        ShouldEqual(second.Load("scoring", Topics.Transactions, 1), latest);

        // An instance that took the partition over writes after it; the first sees that on its next load.
        var takeover = Checkpoint(1, 45, seed: 4);
        second.Save([takeover]);
        ShouldEqual(first.Load("scoring", Topics.Transactions, 1), takeover);
        ShouldEqual(NewStore().Load("scoring", Topics.Transactions, 1), takeover);
        first.LoadAll("scoring", Topics.Transactions).Select(c => (c.Partition, c.NextOffset)).Should().Equal((1, 45L), (2, 7L));
    }

    [Fact]
    public void A_large_state_is_chunked_and_rebuilt_whole()
    {
        var store = NewStore(); // default chunk size, 900 KB
        var large = Checkpoint(3, 123_456, stateBytes: 2_300_000); // ~560 cards' worth
        var small = Checkpoint(0, 9);
        store.Save([large, small]);

        var records = TopicRecords();
        var chunks = records.Where(r => r.Message.Key.StartsWith("scoring/transactions/3#", StringComparison.Ordinal)).ToList();
        chunks.Should().HaveCount(3, "2.3 MB in chunks of 900 KB");
        chunks.Should().OnlyContain(r => r.Message.Value.Length <= 900_000 + KafkaCheckpointEnvelope.HeaderSize);
        chunks.Select(r => r.Partition.Value).Distinct().Should().ContainSingle("every chunk of one checkpoint goes to one partition, in order");

        var fresh = NewStore();
        ShouldEqual(fresh.Load("scoring", Topics.Transactions, 3), large);
        ShouldEqual(fresh.Load("scoring", Topics.Transactions, 0), small);
    }

    [Fact]
    public void A_torn_or_corrupt_chunk_set_is_ignored_in_favour_of_the_previous_complete_one()
    {
        const int chunk = 16 * 1024;
        var store = NewStore(chunk);
        var complete = Checkpoint(2, 500, stateBytes: 60_000, seed: 1);
        store.Save([complete]); // generation 1: 4 chunks
        var baseKey = KafkaCheckpointEnvelope.BaseKey(complete);

        // Generation 2, as a writer that died after two of its four chunks would leave it.
        var newer = Checkpoint(2, 800, stateBytes: 60_000, seed: 2);
        var torn = KafkaCheckpointEnvelope.Encode(newer, generation: 2, chunk);
        torn.Should().HaveCount(4);
        ProduceRaw(baseKey, torn.Take(2));
        // And one whose chunk 2 is missing while the last one arrived.
        ProduceRaw(baseKey, KafkaCheckpointEnvelope.Encode(newer, generation: 2, chunk).Where((_, i) => i != 2));
        // And a complete set whose data does not match its SHA-256.
        var corrupt = KafkaCheckpointEnvelope.Encode(newer, generation: 2, chunk).ToList();
        corrupt[1].Value[KafkaCheckpointEnvelope.HeaderSize + 10] ^= 0xFF;
        ProduceRaw(baseKey, corrupt);
        // And a record of some future format.
        var future = (byte[])corrupt[0].Value.Clone();
        future[4] = 99;
        ProduceRaw(baseKey, [new KafkaCheckpointEnvelope.Record(baseKey, future)]);

        ShouldEqual(NewStore(chunk).Load("scoring", Topics.Transactions, 2), complete);
        ShouldEqual(store.Load("scoring", Topics.Transactions, 2), complete);

        // What compaction would leave of the torn set's slot cannot hide the complete set either: it sits in the other slot.
        var keys = TopicRecords().Select(r => r.Message.Key).Distinct().ToList();
        keys.Where(k => k.StartsWith(baseKey + "#1.", StringComparison.Ordinal)).Should().HaveCount(4, "generation 1 in slot 1");
        keys.Where(k => k.StartsWith(baseKey + "#0.", StringComparison.Ordinal)).Should().HaveCount(4, "the torn generation 2 in slot 0");

        // The next save completes generation 2 over the torn one; a fresh reader then takes it.
        store.Save([newer]);
        ShouldEqual(NewStore(chunk).Load("scoring", Topics.Transactions, 2), newer);
    }

    [Fact]
    public void The_setting_picks_the_store_and_rejects_unknown_values()
    {
        static IHost Build(Dictionary<string, string?> settings)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddScoringServices();
            return builder.Build();
        }
        var data = Directory.CreateTempSubdirectory("scoring-store-setting-").FullName;
        try
        {
            using (var kafkaHost = Build(new() { ["ConnectionStrings:kafka"] = kafka.BootstrapServers, ["Scoring:CheckpointStore"] = "kafka", ["Scoring:CheckpointTopic"] = "my.checkpoints" }))
            {
                kafkaHost.Services.GetRequiredService<ICheckpointStore>().Should().BeOfType<KafkaCheckpointStore>().Which.Topic.Should().Be("my.checkpoints");
            }
            using (var defaultHost = Build(new() { ["FraudDetection:DataDirectory"] = data }))
            {
                defaultHost.Services.GetRequiredService<IOptions<ScoringOptions>>().Value.CheckpointTopic.Should().Be(Topics.ScoringCheckpoints);
                defaultHost.Services.GetRequiredService<ICheckpointStore>().Should().BeOfType<SqliteCheckpointStore>();
            }
            using var badHost = Build(new() { ["Scoring:CheckpointStore"] = "redis" });
            var read = () => badHost.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;
            read.Should().Throw<OptionsValidationException>().WithMessage("*'sqlite' or 'kafka'*");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    public void Dispose()
    {
        foreach (var store in stores)
        {
            store.Dispose();
        }
        kafka.Dispose();
    }
}
