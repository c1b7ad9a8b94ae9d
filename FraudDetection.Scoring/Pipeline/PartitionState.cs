using FraudDetection.Scoring.Features;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>What one owned partition carries: its cards' feature state, its dedupe window and where it is.</summary>
public sealed class PartitionState(int partition, IFeatureState features, DedupeWindow dedupe, long nextOffset)
{
    public int Partition { get; } = partition;
    public IFeatureState Features { get; } = features;
    public DedupeWindow Dedupe { get; } = dedupe;

    /// <summary>The next offset to process; -1 until the first message when no checkpoint existed.</summary>
    public long NextOffset { get; set; } = nextOffset;

    /// <summary>When this partition's last message was processed (Stopwatch ticks): a quiet, caught-up partition is idle.</summary>
    public long LastMessageAt { get; set; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Processed since the last checkpoint.</summary>
    public bool Dirty { get; set; }
}
