using Confluent.Kafka;

namespace FraudDetection.Notifier.Kafka;

/// <summary>
/// Per partition, the offset that is safe to commit: the lowest offset still waiting, or one past the highest seen.
/// Alerts finish out of order (coalescing, retries), so a plain "last consumed" commit could skip unsent ones.
/// </summary>
public sealed class OffsetTracker
{
    private sealed class PartitionState
    {
        public SortedSet<long> Waiting { get; } = [];
        public long HighestSeen { get; set; } = -1;
        public long Committed { get; set; } = -1;
    }

    private readonly Dictionary<TopicPartition, PartitionState> _partitions = [];

    public void Track(TopicPartitionOffset offset)
    {
        var state = State(offset.TopicPartition);
        state.Waiting.Add(offset.Offset.Value);
        state.HighestSeen = Math.Max(state.HighestSeen, offset.Offset.Value);
    }

    public void Complete(TopicPartitionOffset offset)
    {
        if (_partitions.TryGetValue(offset.TopicPartition, out var state))
        {
            state.Waiting.Remove(offset.Offset.Value);
        }
    }

    /// <summary>Offsets (next to read) that moved since the last commit.</summary>
    public IReadOnlyList<TopicPartitionOffset> Committable(IEnumerable<TopicPartition>? only = null)
    {
        var filter = only?.ToHashSet();
        var result = new List<TopicPartitionOffset>();
        foreach (var (partition, state) in _partitions)
        {
            if (filter is not null && !filter.Contains(partition))
            {
                continue;
            }
            if (Moved(state))
            {
                result.Add(new TopicPartitionOffset(partition, NextToCommit(state)));
            }
        }
        return result;
    }

    public void MarkCommitted(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            State(offset.TopicPartition).Committed = offset.Offset.Value;
        }
    }

    public void Remove(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _partitions.Remove(partition);
        }
    }

    public int Waiting => _partitions.Values.Sum(p => p.Waiting.Count);

    /// <summary>Nothing waits for delivery and every offset read is committed: <see cref="Committable"/> would be empty.</summary>
    public bool Settled => _partitions.Values.All(p => p.Waiting.Count == 0 && !Moved(p));

    private static long NextToCommit(PartitionState state) => state.Waiting.Count > 0 ? state.Waiting.Min : state.HighestSeen + 1;

    /// <summary>The offset to commit moved past the last one committed.</summary>
    private static bool Moved(PartitionState state) => NextToCommit(state) is var next && next > state.Committed && next > 0;

    private PartitionState State(TopicPartition partition)
    {
        if (!_partitions.TryGetValue(partition, out var state))
        {
            state = new PartitionState();
            _partitions[partition] = state;
        }
        return state;
    }
}
