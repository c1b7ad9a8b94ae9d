using System.Collections.Concurrent;
using System.Diagnostics;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// A small bounded queue from one thread to another whose taker spins only while items come back to back.
/// <see cref="BlockingCollection{T}"/>'s wait (a <see cref="SemaphoreSlim"/>) yields the CPU about 140 times before it
/// blocks: cheap handovers in a catch-up, but at a low rate, with a batch every second, each wait spins for nothing.
/// After a wait longer than <see cref="BackToBack"/> the next one blocks at once, until a wait is short again.
/// </summary>
internal sealed class BatchHandoff<T>(int capacity) : IDisposable
{
    /// <summary>A wait at least this long says the items are not coming back to back; the spin covers less.</summary>
    public static readonly TimeSpan BackToBack = TimeSpan.FromMilliseconds(1);

    private readonly BlockingCollection<T> items = new(capacity);
    private readonly ManualResetEventSlim arrived = new(initialState: false, spinCount: 0);
    private int parked;
    private bool spins = true;

    /// <summary>Whether the taker's next wait spins first (items came back to back) or blocks at once.</summary>
    public bool SpinsBeforeWait => spins;

    public int Count => items.Count;

    /// <summary>Adds <paramref name="item"/>, waiting up to <paramref name="millisecondsTimeout"/> for room.</summary>
    public bool TryAdd(T item, int millisecondsTimeout)
    {
        if (!items.TryAdd(item, millisecondsTimeout))
        {
            return false;
        }
        // Pairs with the taker's barrier between announcing it parks and looking once more.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref parked) == 1)
        {
            arrived.Set();
        }
        return true;
    }

    /// <summary>Takes the next item, waiting for it; false once adding is complete and nothing is left.</summary>
    public bool TryTake(out T item)
    {
        if (items.TryTake(out item!))
        {
            return true;
        }
        var started = Stopwatch.GetTimestamp();
        var taken = spins ? items.TryTake(out item!, Timeout.Infinite) : TakeParked(out item);
        spins = Stopwatch.GetElapsedTime(started) < BackToBack;
        return taken;
    }

    public void CompleteAdding()
    {
        items.CompleteAdding();
        arrived.Set();
    }

    public void Dispose()
    {
        items.Dispose();
        arrived.Dispose();
    }

    private bool TakeParked(out T item)
    {
        while (true)
        {
            arrived.Reset();
            Volatile.Write(ref parked, 1);
            Interlocked.MemoryBarrier();
            var taken = items.TryTake(out item!);
            if (taken || items.IsCompleted)
            {
                Volatile.Write(ref parked, 0);
                return taken;
            }
            arrived.Wait();
            Volatile.Write(ref parked, 0);
        }
    }
}
