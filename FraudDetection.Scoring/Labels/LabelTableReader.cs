using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Scoring.Labels;

/// <summary>
/// Follows every partition of <c>fraud.labels</c> from its beginning into the <see cref="LabelTable"/> (a global
/// table: each Scoring instance reads all of it, whatever cards it owns). Assigned, never joins a group or commits.
/// </summary>
public sealed class LabelTableReader(string bootstrapServers, LabelTable table, ILogger logger)
{
    /// <summary>Runs on its own thread until cancelled; a failure is logged and the reader starts again where it was.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellationToken)
    {
        var positions = new Dictionary<int, long>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Follow(positions, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is KafkaException or InvalidOperationException)
            {
                // Scoring does not wait on a topic it cannot read: verdicts count from when the reader gets them.
                logger.LogWarning("Label reader failed ({Error}); scoring goes on without new verdicts, reading again in 5 s", e.Message);
                table.MarkCaughtUp();
                cancellationToken.WaitHandle.WaitOne(5000);
            }
        }
    }

    private readonly Dictionary<int, long> startupEnds = [];

    private void Reached(int partition, long next)
    {
        if (startupEnds.TryGetValue(partition, out var end) && next >= end && startupEnds.Remove(partition) && startupEnds.Count == 0)
        {
            table.MarkCaughtUp();
        }
    }

    private void Follow(Dictionary<int, long> positions, CancellationToken cancellationToken)
    {
        startupEnds.Clear();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"scoring-labels-{Guid.NewGuid():N}", // assigned, never joins or commits
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true, // the end of what the topic held at start, whatever its last offsets
        }).Build();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var topic = admin.GetMetadata(Topics.Labels, TimeSpan.FromSeconds(10)).Topics.Single();
            if (topic.Error.IsError || topic.Partitions.Count == 0)
            {
                throw new InvalidOperationException($"topic {Topics.Labels} is not available: {topic.Error.Reason}");
            }
            consumer.Assign(topic.Partitions.Select(p => new TopicPartitionOffset(Topics.Labels, p.PartitionId,
                positions.TryGetValue(p.PartitionId, out var next) ? new Offset(next) : Offset.Beginning)));
            // What the topic holds now: once read, the table is caught up.
            foreach (var partition in topic.Partitions)
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(Topics.Labels, partition.PartitionId), TimeSpan.FromSeconds(10));
                if (watermarks.High.Value > Math.Max(watermarks.Low.Value, positions.GetValueOrDefault(partition.PartitionId)))
                {
                    startupEnds[partition.PartitionId] = watermarks.High.Value;
                }
            }
        }
        if (startupEnds.Count == 0)
        {
            table.MarkCaughtUp();
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            // Verdicts come at human pace: a long poll keeps the idle reader cheap (a message ends it at once).
            var message = consumer.Consume(KafkaClientPolling.SliceMs);
            if (message is { IsPartitionEOF: true })
            {
                Reached(message.Partition.Value, message.Offset.Value);
                continue;
            }
            if (message?.Message.Value is null)
            {
                continue;
            }
            table.Enqueue(message.Message.Value, $"{message.Topic}/{message.Partition.Value}@{message.Offset.Value}");
            positions[message.Partition.Value] = message.Offset.Value + 1;
            Reached(message.Partition.Value, message.Offset.Value + 1);
        }
        consumer.Close();
    }
}
