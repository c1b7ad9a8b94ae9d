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

    /// <summary>
    /// Sends until the source ends, <paramref name="count"/> transactions were sent, or cancellation; returns how many
    /// were sent. Permits are taken in batches of up to 10 ms' worth, so high rates cost one wait per batch.
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
                var batch = (int)Math.Clamp(bucket.Rate / 100, 1, 10_000);
                permits = await bucket.TakeAsync(Math.Min(batch, remaining), cancellationToken).ConfigureAwait(false);
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
}
