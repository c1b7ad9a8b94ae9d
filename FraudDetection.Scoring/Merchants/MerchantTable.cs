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
/// (<see cref="Snapshot"/>) together with the offsets it has applied, so a restart resumes exactly there.
/// </summary>
public sealed class MerchantTable
{
    /// <summary>The checkpoint key's partition (the table is one record per consumer group).</summary>
    public const int CheckpointPartition = 0;

    private readonly ConcurrentQueue<(ConsumeResult<byte[], byte[]>? Message, PartitionCheckpoint? Restore, int? Recreated)> incoming = new();
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
    public void Enqueue(ConsumeResult<byte[], byte[]> message) => incoming.Enqueue((message, null, null));

    /// <summary>Reader thread, before its first message: queues the checkpoint to restore (applied on the scoring thread).</summary>
    public void EnqueueRestore(PartitionCheckpoint checkpoint) => incoming.Enqueue((null, checkpoint, null));

    /// <summary>Reader thread: <paramref name="partition"/>'s log was recreated, so its offsets start again from 0 (the days are kept).</summary>
    public void EnqueueRecreated(int partition) => incoming.Enqueue((null, null, partition));

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
            var message = item.Message!;
            var partition = message.Partition.Value;
            if (applied.TryGetValue(partition, out var next) && message.Offset.Value < next)
            {
                continue; // read again after a restart of the reader
            }
            applied[partition] = message.Offset.Value + 1;
            any = true;
            try
            {
                History.Apply(MerchantMessage.Decode(message.Message.Value));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                BadMessages++;
                logger.LogWarning("Skipped merchant table message {Topic}/{Partition}@{Offset}: {Error}",
                    message.Topic, partition, message.Offset.Value, e.Message);
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
}
