using System.Collections.Concurrent;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Checkpoints;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// This Scoring instance's replica of the merchant table (<see cref="MerchantHistory"/>): a reader thread follows every
/// partition of <c>merchant.features</c> and queues what it reads; the scoring thread applies the queue
/// (<see cref="ApplyPending"/>, under its state lock) and reads the table. Checkpointed with the scoring state
/// (<see cref="Snapshot"/>) together with the offsets it has applied, so a restart resumes exactly there. The merchant
/// stage member in this process also hands over what it publishes once the broker has acknowledged it
/// (<see cref="EnqueueDelivered"/>), which spares the table a fetch wait per day.
/// </summary>
public sealed class MerchantTable
{
    /// <summary>The checkpoint key's partition (the table is one record per consumer group).</summary>
    public const int CheckpointPartition = 0;

    private readonly ConcurrentQueue<Incoming> incoming = new();
    private readonly Dictionary<int, long> applied = [];
    private readonly ILogger logger;

    public MerchantTable(FeatureOptions options, ILogger? logger = null)
    {
        Options = options;
        History = new MerchantHistory(options);
        this.logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    }

    public FeatureOptions Options { get; }

    /// <summary>The table the partition states read (only on the scoring thread).</summary>
    public MerchantHistory History { get; }

    /// <summary>Messages of <c>merchant.features</c> that could not be read (logged and skipped).</summary>
    public long BadMessages { get; private set; }

    /// <summary>Messages applied as this process's stage member handed them over, before the reader fetched them.</summary>
    public long HandedOver { get; private set; }

    /// <summary>The merchant stage member running in this process, if any: the partials this process produces go to it too.</summary>
    public MerchantStage? LocalStage { get; set; }

    /// <summary>Whether the merchant features of a transaction on <paramref name="day"/> can be computed (every earlier day they read is complete).</summary>
    public bool Covers(int day) => History.Covers(day, Options.MerchantDayLag);

    /// <summary>The next offset to read per partition of <c>merchant.features</c>, from a <see cref="Snapshot"/>.</summary>
    public static Dictionary<int, long> PositionsOf(PartitionCheckpoint checkpoint)
    {
        using var reader = new BinaryReader(new MemoryStream(checkpoint.FeatureState, writable: false));
        var positions = new Dictionary<int, long>();
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++) positions[reader.ReadInt32()] = reader.ReadInt64();
        return positions;
    }

    /// <summary>Reader thread: queues a message for the scoring thread.</summary>
    public void Enqueue(ConsumeResult<byte[], byte[]> message) =>
        incoming.Enqueue(new Incoming(message.Partition.Value, message.Offset.Value, message.Message.Value, Delivered: false, null, null));

    /// <summary>
    /// Stage's delivery thread: a message of <c>merchant.features</c> acknowledged at <paramref name="offset"/>. It is
    /// applied only when it is the next offset of its partition; otherwise the reader brings it in order.
    /// </summary>
    public void EnqueueDelivered(int partition, long offset, byte[] value) =>
        incoming.Enqueue(new Incoming(partition, offset, value, Delivered: true, null, null));

    /// <summary>Reader thread, before its first message: queues the checkpoint to restore (applied on the scoring thread).</summary>
    public void EnqueueRestore(PartitionCheckpoint checkpoint) => incoming.Enqueue(new Incoming(0, 0, null, false, checkpoint, null));

    /// <summary>Reader thread: <paramref name="partition"/>'s log was recreated, so its offsets start again from 0 (the days are kept).</summary>
    public void EnqueueRecreated(int partition) => incoming.Enqueue(new Incoming(0, 0, null, false, null, partition));

    /// <summary>Scoring thread: applies what the reader has queued; true when anything was applied.</summary>
    public bool ApplyPending()
    {
        var any = false;
        while (incoming.TryDequeue(out var item))
        {
            if (item.Restore is { } checkpoint)
            {
                any |= Restore(checkpoint);
                continue;
            }
            if (item.Recreated is { } recreated)
            {
                applied.Remove(recreated);
                continue;
            }
            var partition = item.Partition;
            var known = applied.TryGetValue(partition, out var next);
            if (item.Delivered ? item.Offset != (known ? next : 0) : known && item.Offset < next)
            {
                continue; // read again after a restart of the reader, or handed over out of turn (the reader brings it)
            }
            applied[partition] = item.Offset + 1;
            any = true;
            HandedOver += item.Delivered ? 1 : 0;
            try
            {
                History.Apply(MerchantMessage.Decode(item.Value!));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                BadMessages++;
                logger.LogWarning("Skipped merchant table message {Topic}/{Partition}@{Offset}: {Error}",
                    Topics.MerchantFeatures, partition, item.Offset, e.Message);
            }
        }
        return any;
    }

    /// <summary>The table and its positions as one checkpoint (scoring thread, under its state lock).</summary>
    public PartitionCheckpoint Snapshot(string group, string schemaVersion)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(applied.Count);
            foreach (var (partition, next) in applied)
            {
                writer.Write(partition);
                writer.Write(next);
            }
        }
        History.Save(buffer);
        return new PartitionCheckpoint(group, Topics.MerchantFeatures, CheckpointPartition, 0, schemaVersion, buffer.ToArray(), [], DateTimeOffset.UtcNow);
    }

    /// <summary>Restores a <see cref="Snapshot"/> (scoring thread); false (the table unchanged) when it does not fit.</summary>
    private bool Restore(PartitionCheckpoint checkpoint)
    {
        try
        {
            using var buffer = new MemoryStream(checkpoint.FeatureState, writable: false);
            using var reader = new BinaryReader(buffer);
            var count = reader.ReadInt32();
            var positions = new Dictionary<int, long>();
            for (var i = 0; i < count; i++) positions[reader.ReadInt32()] = reader.ReadInt64();
            var restored = MerchantHistory.Load(buffer, History.RetainDays);
            History.CopyFrom(restored);
            applied.Clear();
            foreach (var (partition, next) in positions) applied[partition] = next;
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            logger.LogWarning("Merchant table checkpoint not usable ({Error}); reading merchant.features from its start", e.Message);
            return false;
        }
    }

    private readonly record struct Incoming(int Partition, long Offset, byte[]? Value, bool Delivered, PartitionCheckpoint? Restore, int? Recreated);
}
