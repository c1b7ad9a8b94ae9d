namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// A queue between the consume loop and the emitter thread whose waits block at once. Hand-written because
/// BlockingCollection waits on a SemaphoreSlim, which yields the CPU about 140 times before it blocks: at 50 tx/s
/// that spinning was a large part of the emitter thread's time while it had nothing to do.
/// </summary>
internal sealed class HandoffQueue<T>
{
    private readonly object _gate = new(); // Monitor, not Lock: waiters wait on it
    private readonly Queue<T> _items = new();
    private readonly int _capacity;
    private bool _completed;

    /// <param name="capacity">The most items held; an add waits while it is reached.</param>
    public HandoffQueue(int capacity = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds <paramref name="item"/>, waiting up to <paramref name="millisecondsTimeout"/> (or <see cref="Timeout.Infinite"/>) for room; false when none came.</summary>
    public bool TryAdd(T item, int millisecondsTimeout)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            var deadline = Deadline(millisecondsTimeout);
            while (_items.Count >= _capacity)
            {
                if (!WaitUntil(deadline))
                {
                    return false;
                }
                ObjectDisposedException.ThrowIf(_completed, this);
            }
            _items.Enqueue(item);
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>Adds <paramref name="item"/>, waiting as long as it takes for room.</summary>
    public void Add(T item) => TryAdd(item, Timeout.Infinite);

    /// <summary>
    /// Takes the oldest item, waiting up to <paramref name="millisecondsTimeout"/> (or <see cref="Timeout.Infinite"/>)
    /// for one; false when none came, or when <see cref="CompleteAdding"/> was called and nothing is left.
    /// </summary>
    public bool TryTake(out T item, int millisecondsTimeout)
    {
        lock (_gate)
        {
            var deadline = Deadline(millisecondsTimeout);
            while (_items.Count == 0)
            {
                if (_completed || !WaitUntil(deadline))
                {
                    item = default!;
                    return false;
                }
            }
            item = _items.Dequeue();
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>No more adds: takers get what is left, then false.</summary>
    public void CompleteAdding()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private static long Deadline(int millisecondsTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(millisecondsTimeout, Timeout.Infinite);
        return millisecondsTimeout == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + millisecondsTimeout;
    }

    /// <summary>Waits for a pulse until <paramref name="deadline"/>; false once it has passed. Called holding the gate.</summary>
    private bool WaitUntil(long deadline)
    {
        if (deadline == long.MaxValue)
        {
            Monitor.Wait(_gate);
            return true;
        }
        var left = deadline - Environment.TickCount64;
        if (left <= 0)
        {
            return false;
        }
        Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
        return true;
    }
}
