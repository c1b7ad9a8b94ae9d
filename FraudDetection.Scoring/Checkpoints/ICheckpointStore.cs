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

    /// <summary>Writes every checkpoint given, all or none.</summary>
    void Save(IReadOnlyList<PartitionCheckpoint> checkpoints);

    IReadOnlyList<PartitionCheckpoint> LoadAll(string group, string topic);
}
