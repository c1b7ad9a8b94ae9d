using System.Diagnostics;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Gives the development broker a real broker's long poll. librdkafka's mock answers an empty fetch only when the
/// client's <c>fetch.wait.max.ms</c> is over, even if data arrives meanwhile, so idle consumers had to ask every few
/// milliseconds to keep latency low. The relay now asks the mock with no wait, holds an empty answer here, and asks
/// again as soon as a produce to one of the fetch's topics is acknowledged, or hands the empty answer over when the
/// client's wait is over. A consumer may then wait long at no cost in latency, as against a real broker.
/// </summary>
public sealed class FetchLongPoll : IDisposable
{
    private readonly object _gate = new(); // Monitor, not Lock: the waker waits on it
    private readonly Dictionary<string, long> _produced = [];
    private long _producedAnywhere; // produces whose topics are not known
    private long _logChanges; // requests that changed a log other than by a produce (records deleted, topics made)
    private readonly Func<long>? _brokerLogChanges;
    private readonly List<PolledFetch> _held = [];
    private readonly Thread _waker;
    private bool _stopped;
    private long _wakerWaitsUntil; // the waker's next deadline while it waits (long.MaxValue: none); 0 while it works
    private long _heldCount;
    private long _wokenByData;
    private long _answeredAtDeadline;

    /// <param name="brokerLogChanges">The broker's own count of log changes made beside the relay (<see cref="Kafka.EmbeddedKafka.LogChanges"/>), if any.</param>
    public FetchLongPoll(Func<long>? brokerLogChanges = null)
    {
        _brokerLogChanges = brokerLogChanges;
        _waker = new Thread(Wake, maxStackSize: 256 * 1024) { IsBackground = true, Name = "relay long poll" };
        _waker.Start();
    }

    /// <summary>
    /// Held answers go back on a grid of this step, up to one step after the client's wait: fetches whose waits end
    /// close together are answered in one wake of the waker, and a newly held fetch seldom ends before the one the
    /// waker already waits for (which would wake it to wait again). Data still ends a hold at once.
    /// </summary>
    public static readonly TimeSpan DeadlineStep = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The longest hold of a fetch that follows an answer with records: its consumer is catching up, and the partitions
    /// it paused meanwhile (its prefetch queue full) can only be asked for once this fetch is answered (librdkafka has
    /// one fetch out per broker). A consumer that got nothing last time is held for its whole wait.
    /// </summary>
    public const int CatchingUpWaitMs = 100;

    /// <summary>When to hand over the empty answer of a fetch that waits <paramref name="waitMs"/> from now (a <see cref="Stopwatch"/> timestamp on the grid).</summary>
    public static long DeadlineAfter(int waitMs)
    {
        var step = (long)(DeadlineStep.TotalSeconds * Stopwatch.Frequency);
        var wait = Stopwatch.GetTimestamp() + waitMs * Stopwatch.Frequency / 1000;
        return (wait + step - 1) / step * step;
    }

    /// <summary>Empty fetch answers held so far, fetches asked again because data arrived, and empty answers handed over at the client's deadline.</summary>
    public (long Held, long WokenByData, long AnsweredAtDeadline) Counts =>
        (Interlocked.Read(ref _heldCount), Interlocked.Read(ref _wokenByData), Interlocked.Read(ref _answeredAtDeadline));

    /// <summary>
    /// The produce counts of <paramref name="topics"/> now, then the count of produces to topics not known, then the
    /// count of log changes: taken before a fetch goes to the broker. Two equal snapshots of a fetch's topics mean the
    /// broker would answer it as it did.
    /// </summary>
    public long[] Snapshot(string[] topics)
    {
        lock (_gate)
        {
            return SnapshotHeld(topics);
        }
    }

    /// <summary>A produce to <paramref name="topics"/> (null: not known) was acknowledged: its records are in the broker's log.</summary>
    public void Produced(string[]? topics)
    {
        lock (_gate)
        {
            if (topics is null)
            {
                _producedAnywhere++;
            }
            foreach (var topic in topics ?? [])
            {
                _produced[topic] = _produced.GetValueOrDefault(topic) + 1;
            }
            if (AnyHeldWaitsFor(topics))
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>A request that changes a log other than by a produce passed (noted when it goes and when it is answered).</summary>
    public void LogsChanged() => Interlocked.Increment(ref _logChanges);

    /// <summary>Holds <paramref name="fetch"/>'s empty answer until its topics get data or its deadline passes.</summary>
    public void Hold(PolledFetch fetch)
    {
        Interlocked.Increment(ref _heldCount);
        lock (_gate)
        {
            _held.Add(fetch);
            // The waker looks again only when this deadline comes before the one it waits for, or data came meanwhile.
            if (fetch.Deadline < _wakerWaitsUntil || ProducedSince(fetch))
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void Wake()
    {
        var again = new List<PolledFetch>();
        var answer = new List<PolledFetch>();
        while (true)
        {
            lock (_gate)
            {
                while (!_stopped && again.Count == 0 && answer.Count == 0)
                {
                    var now = Stopwatch.GetTimestamp();
                    var next = long.MaxValue;
                    for (var i = _held.Count - 1; i >= 0; i--)
                    {
                        var fetch = _held[i];
                        if (fetch.Connection.Closed)
                        {
                            _held.RemoveAt(i);
                        }
                        else if (ProducedSince(fetch))
                        {
                            _held.RemoveAt(i);
                            again.Add(fetch);
                        }
                        else if (fetch.Deadline <= now)
                        {
                            _held.RemoveAt(i);
                            answer.Add(fetch);
                        }
                        else
                        {
                            next = Math.Min(next, fetch.Deadline);
                        }
                    }
                    if (again.Count > 0 || answer.Count > 0)
                    {
                        break;
                    }
                    _wakerWaitsUntil = next;
                    if (next == long.MaxValue)
                    {
                        Monitor.Wait(_gate);
                    }
                    else
                    {
                        Monitor.Wait(_gate, TimeSpan.FromTicks(Math.Max(1, Stopwatch.GetElapsedTime(now, next).Ticks)) + TimeSpan.FromMilliseconds(1));
                    }
                    _wakerWaitsUntil = 0;
                }
                if (_stopped)
                {
                    return;
                }
                foreach (var fetch in again)
                {
                    fetch.Produced = SnapshotHeld(fetch.Topics);
                }
            }
            // Sockets are written outside the lock: a slow client must not stall the other connections.
            foreach (var fetch in again)
            {
                Interlocked.Increment(ref _wokenByData);
                fetch.Connection.AskAgain(fetch);
            }
            foreach (var fetch in answer)
            {
                Interlocked.Increment(ref _answeredAtDeadline);
                fetch.Connection.Answer(fetch);
            }
            again.Clear();
            answer.Clear();
        }
    }

    /// <summary>Whether a held fetch asks for one of <paramref name="topics"/> (null: not known, so any).</summary>
    private bool AnyHeldWaitsFor(string[]? topics)
    {
        if (topics is null)
        {
            return _held.Count > 0;
        }
        foreach (var fetch in _held)
        {
            foreach (var topic in fetch.Topics)
            {
                if (Array.IndexOf(topics, topic) >= 0)
                {
                    return true;
                }
            }
        }
        return false;
    }

    private bool ProducedSince(PolledFetch fetch)
    {
        for (var i = 0; i < fetch.Topics.Length; i++)
        {
            if (_produced.GetValueOrDefault(fetch.Topics[i]) != fetch.Produced[i])
            {
                return true;
            }
        }
        return _producedAnywhere != fetch.Produced[^2];
    }

    /// <summary>Each topic's produce count, then the count of produces to topics not known, then the log changes.</summary>
    private long[] SnapshotHeld(string[] topics)
    {
        var counts = new long[topics.Length + 2];
        for (var i = 0; i < topics.Length; i++)
        {
            counts[i] = _produced.GetValueOrDefault(topics[i]);
        }
        counts[^2] = _producedAnywhere;
        counts[^1] = Interlocked.Read(ref _logChanges) + (_brokerLogChanges?.Invoke() ?? 0);
        return counts;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            _held.Clear();
            Monitor.PulseAll(_gate);
        }
        _waker.Join();
    }
}

/// <summary>The connection a long-polled fetch came on: how the waker asks the broker again or answers the client.</summary>
public interface IPolledConnection
{
    bool Closed { get; }

    /// <summary>Sends the fetch to the broker again (it is registered for its answer first).</summary>
    void AskAgain(PolledFetch fetch);

    /// <summary>Hands the held empty answer to the client.</summary>
    void Answer(PolledFetch fetch);
}

/// <summary>
/// A fetch the relay long-polls: <see cref="Request"/> is the frame with its wait set to zero, <see cref="Deadline"/>
/// (a <see cref="Stopwatch"/> timestamp) when the client's own wait is over, <see cref="Produced"/> the produce
/// counts of <see cref="Topics"/> when it was last sent, <see cref="EmptyAnswer"/> the answer held.
/// </summary>
public sealed class PolledFetch(IPolledConnection connection, short version, byte[] request, string[] topics, long deadline)
{
    public IPolledConnection Connection { get; } = connection;

    public short Version { get; } = version;

    public byte[] Request { get; } = request;

    public string[] Topics { get; } = topics;

    public long Deadline { get; } = deadline;

    public long[] Produced { get; set; } = [];

    /// <summary>What the fetch asks, whatever order it lists its partitions in (<see cref="KafkaWire.FetchRequest.Key"/>).</summary>
    public byte[] Key { get; init; } = [];

    /// <summary>The order the fetch lists its partitions in, which its answer keeps.</summary>
    public KafkaWire.FetchTopic[] Order { get; init; } = [];

    public byte[] EmptyAnswer { get; set; } = [];
}
