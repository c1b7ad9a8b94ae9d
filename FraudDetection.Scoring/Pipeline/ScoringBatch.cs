using Confluent.Kafka;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>A transaction that will be scored, and the message it came in.</summary>
internal readonly record struct ScoredRow(ConsumeResult<byte[], byte[]> Message, Transaction Transaction);

/// <summary>
/// One micro-batch between the consume loop and the emitter (pooled): featurized rows with their probabilities, and
/// the messages to dead-letter. With <see cref="CheckpointDone"/> set it is a checkpoint marker instead.
/// </summary>
internal sealed class ScoringBatch
{
    public ScoredRow[] Rows = [];
    public float[] Features = [];
    public float[] Probabilities = [];
    public int Count;
    public IScoringModel? Model;
    public double Threshold;
    public double InferenceMs;
    /// <summary>Whether <see cref="Probabilities"/> are filled (by the consume loop, or else by the emitter).</summary>
    public bool Predicted;
    public List<PartitionCheckpoint>? Checkpoint;
    public TaskCompletionSource? CheckpointDone;
    public readonly List<(ConsumeResult<byte[], byte[]> Message, Rejection Rejection)> Rejected = [];
    /// <summary>Every message of the batch, kept only while tracing listens (for the span's links).</summary>
    public readonly List<ConsumeResult<byte[], byte[]>> Messages = [];
    /// <summary>The partitions' closed merchant days for <c>merchant.partials</c>, produced before the batch's records.</summary>
    public readonly List<(TopicPartition Destination, byte[] Key, byte[] Value)> MerchantMessages = [];

    public void Ensure(int rows, int featureCount)
    {
        if (Rows.Length < rows)
        {
            // At least doubled: while messages wait for the merchant table the rows asked for grow batch by batch, and
            // growing to the exact count reallocated these (large) arrays for nearly every batch.
            var capacity = Math.Max(rows, 2 * Rows.Length);
            Rows = new ScoredRow[capacity];
            Probabilities = new float[capacity];
            Features = new float[capacity * featureCount];
        }
    }

    /// <summary>Runs the model on the batch's rows (once, on whichever thread gets there).</summary>
    public void Predict(int featureCount, Telemetry.ScoringTelemetry telemetry)
    {
        if (Predicted || Count == 0)
        {
            return;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Model!.Predict(Features.AsSpan(0, Count * featureCount), Count, Probabilities.AsSpan(0, Count));
        InferenceMs = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        telemetry.Inference.Record(InferenceMs);
        Predicted = true;
    }

    public void Reset()
    {
        Predicted = false;
        Array.Clear(Rows, 0, Count);
        Count = 0;
        Model = null;
        Checkpoint = null;
        CheckpointDone = null;
        Rejected.Clear();
        Messages.Clear();
        MerchantMessages.Clear();
    }
}
