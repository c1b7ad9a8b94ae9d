using FraudDetection.Producer.Output;
using FraudDetection.Producer.Rate;
using FraudDetection.Producer.Sources;

namespace FraudDetection.Producer.Running;

/// <summary>Counters of one run, read by progress displays and the status API while it runs.</summary>
public sealed class RunCounters
{
    private long _sent;

    public long Sent => Interlocked.Read(ref _sent);

    internal void Add(long count) => Interlocked.Add(ref _sent, count);
}

/// <summary>Moves transactions from a source to a sink, paced by a token bucket (or as fast as possible).</summary>
public static class ProducerLoop
{
    private const int UnpacedBatch = 4096;

    /// <summary>A low rate sends in ticks of this much of its tokens (or <see cref="TickTokens"/>, whichever is fewer).</summary>
    public static readonly TimeSpan LowRateTick = TimeSpan.FromSeconds(1);
    private const int TickTokens = 100;

    /// <summary>
    /// Sends until the source ends, <paramref name="count"/> transactions were sent, or cancellation; returns how many
    /// were sent. Permits are taken in batches of up to 10 ms' worth, so high rates cost one wait per batch; a low rate
    /// waits for a second's worth (at most 100): every send wakes each process downstream, so 50 tx/s sent as one
    /// tick of 50 a second costs the whole system far less than 50 single sends (or 4 ticks of 12), and no transaction
    /// goes more than a second late.
    /// </summary>
    public static async Task<long> RunAsync(ITransactionSource source, ITransactionSink sink, TokenBucket? bucket, long? count,
        RunCounters counters, CancellationToken cancellationToken)
    {
        long sent = 0;
        while (count is null || sent < count)
        {
            var remaining = count is null ? int.MaxValue : (int)Math.Min(int.MaxValue, count.Value - sent);
            int permits;
            if (bucket is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                permits = Math.Min(UnpacedBatch, remaining);
            }
            else
            {
                var (least, most) = Permits(bucket.Rate);
                permits = await bucket.TakeAsync(Math.Min(most, remaining), cancellationToken, Math.Min(least, remaining)).ConfigureAwait(false);
            }
            for (var i = 0; i < permits; i++)
            {
                if (!source.TryNext(out var transaction, out var scenario))
                {
                    counters.Add(i);
                    return sent + i;
                }
                sink.Send(transaction, scenario, source.Mapping);
            }
            sent += permits;
            counters.Add(permits);
        }
        return sent;
    }

    /// <summary>How many permits a paced take waits for at least, and takes at most, at <paramref name="rate"/> per second.</summary>
    public static (int Least, int Most) Permits(double rate)
    {
        var least = (int)Math.Clamp(Math.Floor(rate * LowRateTick.TotalSeconds), 1, TickTokens);
        return (least, Math.Max(least, (int)Math.Clamp(rate / 100, 1, 10_000)));
    }
}
