using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Options;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>The Kafka client settings of the scoring path (the benchmark measures its raw Kafka limit with these too).</summary>
public static class ScoringKafkaClients
{
    public static ConsumerConfig ConsumerConfig(string bootstrapServers, ScoringOptions options)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.ConsumerGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            QueuedMinMessages = 200_000,
            // Once the prefetch queue is over its bounds librdkafka pauses each partition's fetching for this long
            // (default 1 s, longer than the queue takes to drain here): the bench's raw Kafka limit read 200k msg/s
            // with it, 360k without.
            FetchQueueBackoffMs = 20,
            // How long a fetch waits at the broker when nothing is there. A bare librdkafka mock cluster (the tests, the
            // Scoring bench) waits it out even when something arrives, so there it bounds the added latency: 25 ms raised
            // the bench's p50 at 10,000 tx/s offered from 11–14 to 18–21 ms. Kafka and the development broker answer as
            // soon as data arrives; the app host sets 100 ms (Scoring:Consumer:fetch.wait.max.ms).
            FetchWaitMaxMs = 10,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 1_000,
            // Also the group's rebalance timeout: a consumer restarted after a broker outage (its predecessor could not
            // leave the group) waited up to the client's default 5 minutes for partitions on the development broker.
            MaxPollIntervalMs = 60_000,
            // Only what the path reads: the topic name is known (one subscription), and marshalling it per message costs.
            ConsumeResultFields = "headers,timestamp",
        };
        Apply(config, options.Consumer);
        return config;
    }

    public static ProducerConfig ProducerConfig(string bootstrapServers, ScoringOptions options)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            BatchNumMessages = 10_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            DeliveryReportFields = "status",
        }.WithLongPollSlices();
        Apply(config, options.Producer);
        return config;
    }

    private static void Apply(ClientConfig config, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }
    }
}
