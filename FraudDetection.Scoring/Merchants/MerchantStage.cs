using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Checkpoints;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// The merchant stage: one member of the <c>merchant-stage</c> consumer group on <c>merchant.partials</c>. For each
/// partition it owns (a share of the merchants) a <see cref="MerchantDayMerger"/> adds up the card partitions' daily
/// totals and publishes each completed day to the same partition of <c>merchant.features</c>. At-least-once in,
/// idempotent out: a checkpoint waits for its output to be acknowledged, then saves each partition's merger with its
/// next offset; after a restart the replayed input adds nothing twice (the merger drops days it has closed) and the
/// republished days replace themselves in every table.
/// </summary>
public sealed class MerchantStage(string bootstrapServers, MerchantOptions options, ICheckpointStore checkpoints, ILogger logger)
{
    /// <summary>What the stage's checkpoints carry as their schema (the merger's own format, not the feature schema).</summary>
    public const string CheckpointFormat = "merchant-stage-1";

    private readonly Dictionary<int, Owned> owned = [];
    private IProducer<byte[], byte[]>? producer;
    private IConsumer<byte[], byte[]>? consumer;
    private int stagePartitions;
    private long deliveryFailures;
    private string? lastDeliveryError;

    /// <summary>Completed days published so far (this member).</summary>
    public long PublishedDays { get; private set; }

    /// <summary>Messages of <c>merchant.partials</c> that could not be read (logged and skipped).</summary>
    public long BadMessages { get; private set; }

    /// <summary>Runs on its own thread until cancelled (then checkpoints and leaves the group).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellationToken)
    {
        producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 1,
        }).Build();
        consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.StageGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A day's merchant partials are few: an idle fetch every 20 ms, not every millisecond (see ScoringKafkaClients).
            FetchWaitMaxMs = 20,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 1_000,
            MaxPollIntervalMs = 60_000, // the group's rebalance timeout too (see ScoringKafkaClients)
        })
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler((_, revoked) =>
            {
                Checkpoint(revoked.Select(tp => tp.Partition.Value));
                Forget(revoked.Select(tp => tp.Partition.Value));
            })
            .SetPartitionsLostHandler((_, lost) => Forget(lost.Select(tp => tp.Partition.Value)))
            .Build();
        try
        {
            using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
            {
                stagePartitions = PartitionCount(admin, Topics.MerchantPartials);
                var tableCount = PartitionCount(admin, Topics.MerchantFeatures);
                if (tableCount < stagePartitions)
                {
                    throw new InvalidOperationException($"{Topics.MerchantFeatures} has {tableCount} partitions; it needs at least as many as {Topics.MerchantPartials} ({stagePartitions}).");
                }
            }
            consumer.Subscribe(Topics.MerchantPartials);
            var interval = Stopwatch.Frequency * Math.Max(10, options.StageCheckpointIntervalMs) / 1000;
            var nextCheckpoint = Stopwatch.GetTimestamp() + interval;
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = consumer.Consume(100);
                if (message is not null && !message.IsPartitionEOF)
                {
                    Process(message);
                }
                if (Stopwatch.GetTimestamp() >= nextCheckpoint)
                {
                    Checkpoint(owned.Keys.ToList());
                    nextCheckpoint = Stopwatch.GetTimestamp() + interval;
                }
            }
            Checkpoint(owned.Keys.ToList());
            consumer.Close();
        }
        finally
        {
            consumer.Dispose();
            producer.Dispose();
            consumer = null;
            producer = null;
        }
    }

    private void Process(ConsumeResult<byte[], byte[]> message)
    {
        if (!owned.TryGetValue(message.Partition.Value, out var state) || message.Offset.Value < state.NextOffset)
        {
            return;
        }
        state.NextOffset = message.Offset.Value + 1;
        state.Dirty = true;
        MerchantMessage partials;
        try
        {
            partials = MerchantMessage.Decode(message.Message.Value);
            state.Merger.Apply(partials);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            BadMessages++;
            logger.LogWarning("Skipped merchant partials message {Topic}/{Partition}@{Offset}: {Error}", message.Topic, message.Partition.Value, message.Offset.Value, e.Message);
            return;
        }
        if (!state.Merger.HasNews)
        {
            return;
        }
        var key = Encoding.ASCII.GetBytes(state.Merger.Partition.ToString(CultureInfo.InvariantCulture));
        foreach (var table in state.Merger.TakeMessages(stagePartitions))
        {
            PublishedDays += table.Days.Count;
            Produce(new TopicPartition(Topics.MerchantFeatures, state.Merger.Partition), key, table.Encode());
        }
    }

    private void Produce(TopicPartition destination, byte[] key, byte[] value)
    {
        var message = new Message<byte[], byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                producer!.Produce(destination, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref deliveryFailures);
                        lastDeliveryError = report.Error.Reason;
                    }
                });
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer!.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    /// <summary>Output acknowledged first, then each dirty partition's merger and next offset saved, then the offsets committed.</summary>
    private void Checkpoint(IEnumerable<int> partitions)
    {
        if (producer is null || consumer is null)
        {
            return;
        }
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
        }
        if (Interlocked.Read(ref deliveryFailures) > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail,
                $"{deliveryFailures} merchant table message(s) were not acknowledged ({lastDeliveryError}); restarting from the last checkpoint"));
        }
        var saved = new List<PartitionCheckpoint>();
        foreach (var partition in partitions)
        {
            if (!owned.TryGetValue(partition, out var state) || !state.Dirty)
            {
                continue;
            }
            using var buffer = new MemoryStream();
            state.Merger.Save(buffer);
            saved.Add(new PartitionCheckpoint(options.StageGroup, Topics.MerchantPartials, partition, state.NextOffset, CheckpointFormat, buffer.ToArray(), [], DateTimeOffset.UtcNow));
            state.Dirty = false;
        }
        if (saved.Count == 0)
        {
            return;
        }
        checkpoints.Save(saved);
        try
        {
            consumer.Commit(saved.Select(c => new TopicPartitionOffset(Topics.MerchantPartials, c.Partition, c.NextOffset)));
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Merchant stage offset commit failed after checkpoint: {Reason}", e.Message);
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> assignedTo, List<TopicPartition> assigned)
    {
        foreach (var tp in assigned)
        {
            var checkpoint = checkpoints.Load(options.StageGroup, Topics.MerchantPartials, tp.Partition.Value);
            MerchantDayMerger? merger = null;
            if (checkpoint is { SchemaVersion: CheckpointFormat })
            {
                try
                {
                    merger = MerchantDayMerger.Load(new MemoryStream(checkpoint.FeatureState, writable: false));
                }
                catch (InvalidDataException e)
                {
                    logger.LogWarning("Merchant stage partition {Partition}: checkpoint not usable ({Error}); starting empty", tp.Partition.Value, e.Message);
                }
            }
            var resume = merger is null ? -1 : checkpoint!.NextOffset;
            if (RecreatedLog.IsPastTheEnd(assignedTo, tp, resume, logger, "Merchant stage"))
            {
                resume = 0;
            }
            owned[tp.Partition.Value] = new Owned(merger ?? new MerchantDayMerger(tp.Partition.Value)) { NextOffset = resume };
            yield return new TopicPartitionOffset(tp, resume >= 0 ? new Offset(resume) : Offset.Beginning);
        }
    }

    private void Forget(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            owned.Remove(partition);
        }
    }

    private static int PartitionCount(IAdminClient admin, string topic)
    {
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
        if (metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            throw new InvalidOperationException($"topic {topic} is not available: {metadata.Error.Reason}");
        }
        return metadata.Partitions.Count;
    }

    private sealed class Owned(MerchantDayMerger merger)
    {
        public MerchantDayMerger Merger { get; } = merger;
        public long NextOffset { get; set; } = -1;
        public bool Dirty { get; set; }
    }
}
