using Confluent.Kafka;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// The partitions this member owns and what each carries (<see cref="PartitionState"/>): restored from its checkpoint
/// when assigned, forgotten when revoked or lost. The consume loop changes the states under <see cref="Gate"/>; the
/// live API reads them under it.
/// </summary>
internal sealed class PartitionAssignments(
    ScoringOptions options,
    IFeaturePipeline pipeline,
    ICheckpointStore checkpoints,
    ScoringTelemetry telemetry,
    ScoringStats stats,
    ILogger logger)
{
    private readonly Dictionary<int, PartitionState> partitions = [];
    private readonly IFeatureState emptyState = pipeline.Create();

    /// <summary>Held while a partition's state changes or is read from another thread.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The owned partitions' states (consume-loop thread).</summary>
    public IEnumerable<PartitionState> All => partitions.Values;

    public IReadOnlyCollection<int> Owned
    {
        get
        {
            lock (Gate)
            {
                return [.. partitions.Keys];
            }
        }
    }

    /// <summary>The state of an owned partition (consume-loop thread, under <see cref="Gate"/>).</summary>
    public bool TryGet(int partition, out PartitionState state) => partitions.TryGetValue(partition, out state!);

    public List<PartitionState> Find(IEnumerable<TopicPartitionOffset> which) =>
        which.Select(tp => partitions.GetValueOrDefault(tp.Partition.Value)).OfType<PartitionState>().ToList();

    /// <summary>
    /// Features of <paramref name="transaction"/> against the card's current state in this member, read-only.
    /// False when no owned partition knows the card (then the features are those of a card's first transaction).
    /// </summary>
    public bool TryCompute(Transaction transaction, Span<float> destination)
    {
        lock (Gate)
        {
            foreach (var state in partitions.Values)
            {
                if (state.Features.KnowsCard(transaction))
                {
                    state.Features.Compute(transaction, destination);
                    return true;
                }
            }
            emptyState.Compute(transaction, destination);
            return false;
        }
    }

    /// <summary>Restores each assigned partition from its checkpoint and answers where to start reading it.</summary>
    public IEnumerable<TopicPartitionOffset> Assign(IConsumer<byte[], byte[]> consumer, List<TopicPartition> assigned)
    {
        var positions = new List<TopicPartitionOffset>(assigned.Count);
        foreach (var tp in assigned)
        {
            var checkpoint = checkpoints.Load(options.ConsumerGroup, tp.Topic, tp.Partition.Value);
            PartitionState state;
            if (checkpoint is null)
            {
                state = new PartitionState(tp.Partition.Value, pipeline.Create(), new DedupeWindow(options.DedupeWindow), -1);
                positions.Add(new TopicPartitionOffset(tp, Offset.Unset));
                logger.LogInformation("Partition {Partition} assigned: no checkpoint, starting from the committed offset (or the beginning)", tp.Partition.Value);
            }
            else
            {
                IFeatureState features;
                if (checkpoint.SchemaVersion == pipeline.SchemaVersion)
                {
                    try
                    {
                        using var stream = new MemoryStream(checkpoint.FeatureState, writable: false);
                        features = pipeline.Load(stream);
                    }
                    catch (InvalidDataException e)
                    {
                        // e.g. saved with the merchant stage on and loaded with it off: the card state starts empty.
                        logger.LogWarning("Partition {Partition}: checkpoint state not usable here ({Error}); card state starts empty", tp.Partition.Value, e.Message);
                        features = pipeline.Create();
                    }
                }
                else
                {
                    logger.LogWarning("Partition {Partition}: checkpoint has feature schema {Old}, ours is {New}; card state starts empty",
                        tp.Partition.Value, checkpoint.SchemaVersion, pipeline.SchemaVersion);
                    features = pipeline.Create();
                }
                var nextOffset = checkpoint.NextOffset;
                if (RecreatedLog.IsPastTheEnd(consumer, tp, nextOffset, logger, "Scoring"))
                {
                    nextOffset = 0;
                    // What this partition told the merchant stage went with the old log: say where it is again.
                    features.MerchantPartials?.Reannounce();
                }
                state = new PartitionState(tp.Partition.Value, features, DedupeWindow.FromBytes(checkpoint.DedupeWindow, options.DedupeWindow), nextOffset);
                positions.Add(new TopicPartitionOffset(tp, nextOffset));
                logger.LogInformation("Partition {Partition} assigned: resuming at checkpoint offset {Offset}", tp.Partition.Value, nextOffset);
            }
            lock (Gate)
            {
                partitions[tp.Partition.Value] = state;
            }
        }
        return positions;
    }

    public void Forget(IEnumerable<int> gone)
    {
        lock (Gate)
        {
            foreach (var partition in gone)
            {
                partitions.Remove(partition);
                stats.RemovePartition(partition);
                telemetry.ForgetLag(partition);
            }
        }
    }

    /// <summary>Lag per partition from the client's cached watermarks (no broker round trip).</summary>
    public void UpdateLag(IConsumer<byte[], byte[]> consumer, string topic)
    {
        foreach (var state in partitions.Values)
        {
            var watermarks = consumer.GetWatermarkOffsets(new TopicPartition(topic, state.Partition));
            var lag = watermarks.High == Offset.Unset || state.NextOffset < 0 ? 0 : Math.Max(0, watermarks.High.Value - state.NextOffset);
            telemetry.SetLag(state.Partition, lag);
            stats.SetPartition(state.Partition, state.NextOffset, lag);
        }
    }
}
