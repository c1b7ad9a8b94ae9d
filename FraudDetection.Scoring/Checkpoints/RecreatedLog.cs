using Confluent.Kafka;

namespace FraudDetection.Scoring.Checkpoints;

/// <summary>
/// A saved position past the end of its log means the log was recreated (the in-memory development broker after a
/// restart): the saved state is kept and the new log is read from its start, or every new message would look like a
/// replay of one already applied.
/// </summary>
internal static class RecreatedLog
{
    /// <summary>True (and logged) when <paramref name="saved"/> is past the end of <paramref name="partition"/>'s log.</summary>
    public static bool IsPastTheEnd(IConsumer<byte[], byte[]> consumer, TopicPartition partition, long saved, ILogger logger, string whose)
    {
        if (saved <= 0)
        {
            return false;
        }
        var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5)).High;
        if (end == Offset.Unset || saved <= end.Value)
        {
            return false;
        }
        logger.LogWarning("{Whose} {Topic}/{Partition}: saved offset {Offset} is past the log end {End} (topic recreated); reading the new log from its start with the saved state",
            whose, partition.Topic, partition.Partition.Value, saved, end.Value);
        return true;
    }
}
