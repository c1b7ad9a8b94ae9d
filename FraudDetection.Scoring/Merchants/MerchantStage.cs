using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Checkpoints;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// The merchant stage: one member of the <c>merchant-stage</c> consumer group on <c>merchant.partials</c>. For each
/// partition it owns (a share of the merchants) a <see cref="MerchantDayMerger"/> adds up the card partitions' daily
/// totals and publishes each completed day to the same partition of <c>merchant.features</c>. At-least-once in,
/// idempotent out: a checkpoint waits for its output to be acknowledged, then saves each partition's merger with its
/// next offset; after a restart the replayed input adds nothing twice (the merger drops days it has closed) and the
/// republished days replace themselves in every table. Beside its consumer, the card partitions of its own process hand
/// it their partials once acknowledged (<see cref="Delivered"/>), and it hands what it publishes to its own process's
/// table (<paramref name="localTable"/>) the same way: the same messages at the same offsets, without a fetch wait per leg.
/// </summary>
public sealed class MerchantStage(string bootstrapServers, MerchantOptions options, ICheckpointStore checkpoints, ILogger logger,
    MerchantTable? localTable = null)
{
    /// <summary>What the stage's checkpoints carry as their schema (the merger's own format, not the feature schema).</summary>
    public const string CheckpointFormat = "merchant-stage-3";

    private readonly Dictionary<int, Owned> owned = [];
    private readonly Lock gate = new(); // the consumer's thread and the hand-over from the card partitions' deliveries
    private IProducer<byte[], byte[]>? producer;
    private IConsumer<byte[], byte[]>? consumer;
    private int stagePartitions;
    private long deliveryFailures;
    private string? lastDeliveryError;
    private Exception? handOverFailure; // raised on the stage's own thread, which then restarts from its checkpoint

    /// <summary>Completed days published so far (this member).</summary>
    public long PublishedDays { get; private set; }

    /// <summary>Messages of <c>merchant.partials</c> that could not be read (logged and skipped).</summary>
    public long BadMessages { get; private set; }

    /// <summary>Partials merged as this process's card partitions handed them over, before the consumer fetched them.</summary>
    public long HandedOver { get; private set; }

    /// <summary>
    /// Any thread: a message of <c>merchant.partials</c> this process had acknowledged at <paramref name="offset"/>. It is
    /// merged now when this member owns the partition and it is the next offset there; otherwise the consumer reads it.
    /// </summary>
    public void Delivered(int partition, long offset, byte[] value)
    {
        lock (gate)
        {
            if (producer is null || !owned.TryGetValue(partition, out var state) || offset != Math.Max(0, state.NextOffset))
            {
                return;
            }
            HandedOver++;
            try
            {
                Process(partition, offset, value);
            }
            catch (Exception e) when (e is KafkaException or ObjectDisposedException or InvalidOperationException)
            {
                handOverFailure ??= e; // not on the producer's delivery thread: the stage's loop rethrows it
            }
        }
    }

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
        }.WithLongPollSlices()).Build();
        consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.StageGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            FetchWaitMaxMs = options.FetchWaitMs,
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
            if (localTable is not null)
            {
                localTable.LocalStage = this;
            }
            var interval = Stopwatch.Frequency * Math.Max(10, options.StageCheckpointIntervalMs) / 1000;
            var nextCheckpoint = Stopwatch.GetTimestamp() + interval;
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = consumer.Consume(KafkaClientPolling.SliceUntil(nextCheckpoint)); // a message ends the wait at once
                lock (gate)
                {
                    if (handOverFailure is { } failure)
                    {
                        throw new InvalidOperationException($"merging a handed-over partials message failed: {failure.Message}", failure);
                    }
                    if (message is not null && !message.IsPartitionEOF)
                    {
                        Process(message.Partition.Value, message.Offset.Value, message.Message.Value);
                    }
                }
                if (Stopwatch.GetTimestamp() >= nextCheckpoint)
                {
                    Checkpoint(OwnedPartitions());
                    nextCheckpoint = Stopwatch.GetTimestamp() + interval;
                }
            }
            Checkpoint(OwnedPartitions());
            consumer.Close();
        }
        finally
        {
            if (localTable?.LocalStage == this)
            {
                localTable.LocalStage = null;
            }
            lock (gate)
            {
                consumer.Dispose();
                producer.Dispose();
                consumer = null;
                producer = null;
            }
        }
    }

    /// <summary>Merges one message of <c>merchant.partials</c> (under the gate) and publishes the days it completes.</summary>
    private void Process(int partition, long offset, byte[] value)
    {
        if (!owned.TryGetValue(partition, out var state) || offset < state.NextOffset)
        {
            return;
        }
        state.NextOffset = offset + 1;
        state.Dirty = true;
        try
        {
            state.Merger.Apply(MerchantMessage.Decode(value));
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            BadMessages++;
            logger.LogWarning("Skipped merchant partials message {Topic}/{Partition}@{Offset}: {Error}", Topics.MerchantPartials, partition, offset, e.Message);
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
                    else
                    {
                        localTable?.EnqueueDelivered(report.Partition.Value, report.Offset.Value, value);
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
        var saved = new List<PartitionCheckpoint>();
        lock (gate)
        {
            while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
            {
            }
            if (Interlocked.Read(ref deliveryFailures) > 0)
            {
                throw new KafkaException(new Error(ErrorCode.Local_Fail,
                    $"{deliveryFailures} merchant table message(s) were not acknowledged ({lastDeliveryError}); restarting from the last checkpoint"));
            }
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

    private List<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> assignedTo, List<TopicPartition> assigned)
    {
        var positions = new List<TopicPartitionOffset>();
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
            lock (gate)
            {
                owned[tp.Partition.Value] = new Owned(merger ?? new MerchantDayMerger(tp.Partition.Value)) { NextOffset = resume };
            }
            positions.Add(new TopicPartitionOffset(tp, resume >= 0 ? new Offset(resume) : Offset.Beginning));
        }
        return positions;
    }

    private void Forget(IEnumerable<int> partitions)
    {
        lock (gate)
        {
            foreach (var partition in partitions)
            {
                owned.Remove(partition);
            }
        }
    }

    private List<int> OwnedPartitions()
    {
        lock (gate)
        {
            return [.. owned.Keys];
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
