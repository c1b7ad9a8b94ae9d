namespace FraudDetection.Producer.Rate;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: tokens accrue continuously at <see cref="Rate"/> per second up to
/// <see cref="Capacity"/>; callers take them in batches. Hand-written rather than
/// System.Threading.RateLimiting's TokenBucketRateLimiter because that one reads the Stopwatch (no TimeProvider, so
/// it cannot be tested without real waiting) and cannot change its rate while running (PUT /api/producer/rate).
/// </summary>
public sealed class TokenBucket
{
    /// <summary>Longest single wait: a slow rate changed to a fast one applies within it, and a very slow rate never asks
    /// for a timer longer than the runtime allows (about 49 days).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _rate;
    private double _tokens;
    private long _lastTimestamp;

    /// <param name="ratePerSecond">Tokens per second (&gt; 0).</param>
    /// <param name="burstSeconds">
    /// How many seconds' worth of tokens may be banked (at least one token): by default twice the Producer's 1 s
    /// tick (<see cref="Running.ProducerLoop.LowRateTick"/>), so a take that wakes a little late loses none of what
    /// accrued meanwhile.
    /// </param>
    public TokenBucket(double ratePerSecond, TimeProvider? time = null, double burstSeconds = 2)
    {
        _time = time ?? TimeProvider.System;
        BurstSeconds = burstSeconds;
        SetRate(ratePerSecond);
        _tokens = 1; // the first event goes at once
        _lastTimestamp = _time.GetTimestamp();
    }

    public double Rate
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    public double BurstSeconds { get; }

    /// <summary>The most tokens the bucket banks: max(1, rate × burst seconds).</summary>
    public double Capacity { get; private set; }

    /// <summary>Changes the rate from now on (tokens accrued so far at the old rate are kept, up to the new capacity).</summary>
    public void SetRate(double ratePerSecond)
    {
        if (!double.IsFinite(ratePerSecond) || ratePerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "The rate must be a positive number of transactions per second.");
        }
        lock (_gate)
        {
            if (_rate > 0)
            {
                Refill();
            }
            _rate = ratePerSecond;
            Capacity = Math.Max(1, ratePerSecond * BurstSeconds);
            _tokens = Math.Min(_tokens, Capacity);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> whole tokens available now (possibly none).</summary>
    public int TryTake(int max)
    {
        lock (_gate)
        {
            Refill();
            var granted = (int)Math.Min(max, Math.Floor(_tokens));
            _tokens -= granted;
            return granted;
        }
    }

    /// <summary>How long until one whole token is available.</summary>
    public TimeSpan TimeUntilNext() => TimeUntil(1);

    /// <summary>How long until <paramref name="tokens"/> whole tokens are available (at most the capacity's whole tokens).</summary>
    public TimeSpan TimeUntil(int tokens)
    {
        lock (_gate)
        {
            Refill();
            var wanted = Math.Clamp(tokens, 1, Math.Max(1, Math.Floor(Capacity)));
            var seconds = (wanted - _tokens) / _rate;
            return _tokens >= wanted ? TimeSpan.Zero : seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>
    /// Waits until at least <paramref name="least"/> tokens are available (at most the capacity's whole tokens), then
    /// takes up to <paramref name="max"/>.
    /// </summary>
    public async ValueTask<int> TakeAsync(int max, CancellationToken cancellationToken, int least = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(least, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(least, max);
        while (true)
        {
            var wait = TimeUntil(least);
            if (wait == TimeSpan.Zero)
            {
                var granted = TryTake(max);
                if (granted > 0)
                {
                    return granted;
                }
                continue;
            }
            // Rounded up to the next whole millisecond and one more: a timer is no finer, and one cut short wakes again a
            // moment later for the rest (on Linux each wake-up costs the runtime's timer thread several more), so a batch
            // takes one sleep. The capacity banks what accrues meanwhile.
            var sleep = TimeSpan.FromMilliseconds(Math.Min(Math.Ceiling(wait.TotalMilliseconds) + 1, LongestWait.TotalMilliseconds));
            await Task.Delay(sleep, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        _lastTimestamp = now;
        if (elapsed > 0)
        {
            _tokens = Math.Min(Capacity, _tokens + elapsed * _rate);
        }
    }
}
