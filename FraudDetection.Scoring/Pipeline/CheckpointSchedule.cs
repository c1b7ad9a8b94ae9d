namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// When a periodic checkpoint is due (in <see cref="System.Diagnostics.Stopwatch"/> ticks): one interval after the
/// last once enough messages were consumed since, at the latest one longer interval after it while any were, never
/// while none were. A busy stream checkpoints as often as before; a slow one stops rewriting its whole feature state
/// every few seconds for a handful of messages, and what a crash replays stays bounded by the count or the time.
/// </summary>
public sealed class CheckpointSchedule(long interval, long maxInterval, long minMessages)
{
    private long lastAt;
    private long consumed;

    public void Start(long now) => Taken(now);

    public void Count(int messages) => consumed += messages;

    public bool Due(long now)
    {
        var elapsed = now - lastAt;
        return consumed > 0 && (elapsed >= maxInterval || (elapsed >= interval && consumed >= minMessages));
    }

    public void Taken(long now)
    {
        lastAt = now;
        consumed = 0;
    }
}
