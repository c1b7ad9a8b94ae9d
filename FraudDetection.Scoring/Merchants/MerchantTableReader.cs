using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Options;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// Follows every partition of <c>merchant.features</c> for this Scoring instance's <see cref="MerchantTable"/>
/// (a global table join: each instance reads all of it, whatever cards it owns). Starts where the table's last
/// checkpoint stopped, or at the beginning; commits nothing (its position is in the checkpoint).
/// </summary>
public sealed class MerchantTableReader(
    string bootstrapServers,
    MerchantTable table,
    ICheckpointStore checkpoints,
    ScoringOptions options,
    ILogger logger,
    MerchantOptions? merchantOptions = null)
{
    /// <summary>Runs on its own thread until cancelled; a failure is logged and the reader starts again.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellationToken)
    {
        var positions = new Dictionary<int, long>();
        try
        {
            var checkpoint = checkpoints.Load(options.ConsumerGroup, Topics.MerchantFeatures, MerchantTable.CheckpointPartition);
            if (checkpoint is not null && checkpoint.SchemaVersion != FeatureSchema.Current.Version)
            {
                // Another schema's table may hold other day totals: rebuild it from the topic.
                logger.LogInformation("Merchant table checkpoint is for feature schema {Saved}, this build computes {Current}; reading merchant.features from its start",
                    checkpoint.SchemaVersion, FeatureSchema.Current.Version);
            }
            else if (checkpoint is not null)
            {
                positions = MerchantTable.PositionsOf(checkpoint);
                table.EnqueueRestore(checkpoint);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or KafkaException)
        {
            logger.LogWarning("Merchant table checkpoint not readable ({Error}); reading merchant.features from its start", e.Message);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Follow(positions, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is KafkaException or InvalidOperationException)
            {
                logger.LogWarning("Merchant table reader failed ({Error}); starting again in 1 s", e.Message);
                cancellationToken.WaitHandle.WaitOne(1000);
            }
        }
    }

    private void Follow(Dictionary<int, long> positions, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"{options.ConsumerGroup}-merchant-table-{Guid.NewGuid():N}", // assigned, never joins or commits
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = (merchantOptions ?? new MerchantOptions()).FetchWaitMs,
        };
        using var consumer = new ConsumerBuilder<byte[], byte[]>(config).Build();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var topic = admin.GetMetadata(Topics.MerchantFeatures, TimeSpan.FromSeconds(10)).Topics.Single();
            if (topic.Error.IsError || topic.Partitions.Count == 0)
            {
                throw new InvalidOperationException($"topic {Topics.MerchantFeatures} is not available: {topic.Error.Reason}");
            }
            foreach (var (partition, next) in positions.ToList())
            {
                if (RecreatedLog.IsPastTheEnd(consumer, new TopicPartition(Topics.MerchantFeatures, partition), next, logger, "Merchant table"))
                {
                    positions[partition] = 0;
                    table.EnqueueRecreated(partition);
                }
            }
            consumer.Assign(topic.Partitions.Select(p => new TopicPartitionOffset(Topics.MerchantFeatures, p.PartitionId,
                positions.TryGetValue(p.PartitionId, out var next) ? new Offset(next) : Offset.Beginning)));
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var message = consumer.Consume(KafkaClientPolling.SliceMs); // a message ends the wait at once; only a stop waits it out
            if (message is null || message.IsPartitionEOF)
            {
                continue;
            }
            table.Enqueue(message);
            positions[message.Partition.Value] = message.Offset.Value + 1;
        }
        consumer.Close();
    }
}
