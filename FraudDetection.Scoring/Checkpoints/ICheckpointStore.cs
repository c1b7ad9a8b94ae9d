namespace FraudDetection.Scoring.Checkpoints;

/// <summary>One partition's checkpoint: the next offset to read and the state that reflects everything before it.</summary>
public sealed record PartitionCheckpoint(
    string Group,
    string Topic,
    int Partition,
    long NextOffset,
    string SchemaVersion,
    byte[] FeatureState,
    byte[] DedupeWindow,
    DateTimeOffset SavedAt);

/// <summary>Where per-partition state and offsets are kept together.</summary>
public interface ICheckpointStore
{
    PartitionCheckpoint? Load(string group, string topic, int partition);

    /// <summary>
    /// Writes every checkpoint given and returns only once they are durable; throws otherwise (then the caller must not
    /// commit offsets). Each checkpoint is all-or-none (state and offset together); SQLite also makes the whole list
    /// one transaction, Kafka does not (each partition's record set stands alone, which is what a resume needs).
    /// </summary>
    void Save(IReadOnlyList<PartitionCheckpoint> checkpoints);

    IReadOnlyList<PartitionCheckpoint> LoadAll(string group, string topic);
}
