using System.Collections.Concurrent;
using FraudDetection.Core.Features;

namespace FraudDetection.Scoring.Labels;

/// <summary>
/// This Scoring instance's copy of <c>fraud.labels</c> (<see cref="LabelEvents"/>, shared by every partition's card
/// state): a reader thread follows every partition and queues what it reads; the scoring thread applies the queue
/// (<see cref="ApplyPending"/>, under its state lock) before it featurizes. Rebuilt from the topic at each start
/// (verdicts come at human pace, so the topic is small); a verdict counts from the moment it is applied.
/// </summary>
public sealed class LabelTable(ILogger<LabelTable>? logger = null)
{
    private readonly ConcurrentQueue<(byte[] Value, string Where)> incoming = new();
    private readonly ConcurrentDictionary<string, long> bySource = new(StringComparer.Ordinal);
    private long badMessages;
    private volatile bool caughtUp;

    /// <summary>The verdicts the card states read (only on the scoring thread).</summary>
    public LabelEvents Events { get; } = new();

    /// <summary>Messages of <c>fraud.labels</c> that could not be read (logged and skipped).</summary>
    public long BadMessages => Interlocked.Read(ref badMessages);

    /// <summary>Verdicts applied so far, by source (read from any thread).</summary>
    public IReadOnlyDictionary<string, long> AppliedBySource => new SortedDictionary<string, long>(bySource, StringComparer.Ordinal);

    /// <summary>
    /// Whether the reader has queued everything the topic held when it started: Scoring waits for it, so that after a
    /// restart no transaction is scored without a verdict that was already known.
    /// </summary>
    public bool CaughtUp => caughtUp;

    /// <summary>Reader thread: the topic's start-up contents are all queued.</summary>
    public void MarkCaughtUp() => caughtUp = true;

    /// <summary>Reader thread: queues a message for the scoring thread.</summary>
    public void Enqueue(byte[] value, string where) => incoming.Enqueue((value, where));

    /// <summary>Scoring thread: applies what the reader has queued; true when a verdict changed.</summary>
    public bool ApplyPending()
    {
        var changed = false;
        while (incoming.TryDequeue(out var item))
        {
            if (FraudLabel.TryRead(item.Value, out var error) is not { } label)
            {
                Interlocked.Increment(ref badMessages);
                logger?.LogWarning("Skipped label message {Where}: {Error}", item.Where, error);
                continue;
            }
            if (Events.Apply(label.CardId, label.TransNum, label.IsFraud, label.TransactionTime, label.Source, label.LearnedAt))
            {
                bySource.AddOrUpdate(label.Source, 1, (_, n) => n + 1);
                changed = true;
            }
        }
        return changed;
    }
}
