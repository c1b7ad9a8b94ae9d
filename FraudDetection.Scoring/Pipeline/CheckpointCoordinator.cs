using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// When and how the consumer checkpoints. A checkpoint saves each changed partition's feature state, dedupe window and
/// next offset together, only once every output produced before it is acknowledged, then commits the offsets. A
/// partition holding rows back for the merchant table is left for a later checkpoint.
/// Periodic checkpoints stay off the scoring thread: the consume loop snapshots the state (consistent with the offsets)
/// and sends a marker behind the batches it covers; when the emitter reaches the marker it closes the delivery epoch,
/// and a background task saves once that epoch is acknowledged. At most one is in flight. On revoke and on stop the
/// checkpoint is synchronous.
/// </summary>
internal sealed class CheckpointCoordinator(
    ScoringOptions options,
    string topic,
    string schemaVersion,
    PartitionAssignments partitions,
    ICheckpointStore checkpoints,
    DeliveryTracker deliveries,
    ScoringEmitter emitter,
    ConsumerRun run,
    ScoringStats stats,
    ILogger logger,
    Merchants.MerchantTable? merchantTable = null,
    Func<int, bool>? holdsRows = null)
{
    private Task? inFlight;
    private readonly CheckpointSchedule schedule = new(
        Ticks(options.CheckpointIntervalMs), Ticks(Math.Max(options.CheckpointIntervalMs, options.CheckpointMaxIntervalMs)), options.CheckpointMinMessages);

    private static long Ticks(int milliseconds) => Stopwatch.Frequency * Math.Max(10, milliseconds) / 1000;

    /// <summary>Consume-loop thread: the first periodic checkpoint is one interval from now at the earliest.</summary>
    public void Start() => schedule.Start(Stopwatch.GetTimestamp());

    /// <summary>Consume-loop thread: messages folded into a partition's state (scored, history or dead-lettered: its offset moved).</summary>
    public void Consumed(int messages) => schedule.Count(messages);

    /// <summary>Consume-loop thread: starts a periodic checkpoint when one is due.</summary>
    public void Tick(long now)
    {
        if (schedule.Due(now) && CheckpointInBackground())
        {
            schedule.Taken(now);
        }
    }

    private bool CheckpointInBackground()
    {
        if (run.Killed || run.Producer is null || run.Consumer is null)
        {
            return false;
        }
        if (inFlight is { IsCompleted: false })
        {
            return false; // the previous one is still waiting for acknowledgements; a later tick takes this one's place
        }
        inFlight?.GetAwaiter().GetResult(); // surfaces a failed delivery: the loop restarts from the last checkpoint
        var marker = emitter.TakeFree();
        marker.Checkpoint = Snapshot(partitions.All);
        marker.CheckpointDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inFlight = marker.CheckpointDone.Task;
        emitter.Enqueue(marker);
        return true;
    }

    /// <summary>
    /// Emitter thread, at a marker: everything produced so far belongs to the checkpoint, so its epoch closes here; a
    /// background task saves the snapshot once that epoch is acknowledged.
    /// </summary>
    public void OnMarkerEmitted(ScoringBatch marker)
    {
        var closing = deliveries.CloseEpoch();
        var snapshot = marker.Checkpoint!;
        var done = marker.CheckpointDone!;
        _ = Task.Run(async () =>
        {
            try
            {
                while (!deliveries.AllAcknowledged(closing) && !run.Over)
                {
                    await Task.Delay(1).ConfigureAwait(false);
                }
                if (!run.Over)
                {
                    Persist(snapshot);
                }
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
    }

    /// <summary>Consume-loop thread (revoke, stop): waits for every output to be acknowledged, then saves and commits.</summary>
    public void Checkpoint(IEnumerable<PartitionState> which)
    {
        if (run.Killed || run.Producer is not { } producer || run.Consumer is not { } consumer)
        {
            return;
        }
        emitter.Drain();
        if (run.Killed)
        {
            return;
        }
        try
        {
            inFlight?.GetAwaiter().GetResult();
        }
        catch (TaskCanceledException)
        {
            // A marker dropped by a kill; nothing was persisted for it.
        }
        inFlight = null;
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
            if (run.Killed)
            {
                return;
            }
        }
        Persist(Snapshot(which));
        partitions.UpdateLag(consumer, topic);
    }

    private List<PartitionCheckpoint> Snapshot(IEnumerable<PartitionState> which)
    {
        var saved = new List<PartitionCheckpoint>();
        var now = DateTimeOffset.UtcNow;
        lock (partitions.Gate)
        {
            foreach (var state in which)
            {
                if (!state.Dirty || state.NextOffset < 0)
                {
                    continue;
                }
                if (holdsRows?.Invoke(state.Partition) == true)
                {
                    // Its state has folded in rows not yet scored (held for the merchant table): saved once they are out.
                    continue;
                }
                saved.Add(new PartitionCheckpoint(options.ConsumerGroup, topic, state.Partition, state.NextOffset,
                    schemaVersion, state.Features.ToCheckpointBytes(), state.Dedupe.ToBytes(), now));
                state.Dirty = false;
            }
            if (saved.Count > 0 && merchantTable is not null)
            {
                // The merchant table with the positions it has applied (newer than a partition's state is fine: its days are immutable).
                saved.Add(merchantTable.Snapshot(options.ConsumerGroup, schemaVersion));
            }
        }
        return saved;
    }

    private void Persist(List<PartitionCheckpoint> snapshot)
    {
        deliveries.ThrowIfAnyFailed();
        if (snapshot.Count == 0)
        {
            return;
        }
        checkpoints.Save(snapshot);
        try
        {
            run.Consumer?.Commit(snapshot.Where(c => c.Topic == topic).Select(c => new TopicPartitionOffset(topic, c.Partition, c.NextOffset)));
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException)
        {
            // The checkpoint is what a restart seeks to; the committed offset only feeds lag tooling.
            logger.LogWarning("Offset commit failed after checkpoint: {Reason}", e.Message);
        }
        stats.Checkpointed();
    }
}
