using FraudDetection.Producer.Rate;
using FraudDetection.Producer.Running;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Producer;

public class TokenBucketTests
{
    private static long TakeFor(TokenBucket bucket, FakeTimeProvider time, TimeSpan duration, TimeSpan step, int batch)
    {
        long taken = 0;
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
        {
            time.Advance(step);
            taken += bucket.TryTake(batch);
        }
        return taken;
    }

    [Theory]
    [InlineData(5, 10, 10)]          // one at a time, every 200 ms
    [InlineData(50_000, 2, 1)]       // batches of up to 500 every millisecond
    [InlineData(1_000, 7, 7)]
    public void Grants_the_rate_over_simulated_time(double rate, int seconds, int stepMs)
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(rate, time);

        var first = bucket.TryTake(1);
        var taken = TakeFor(bucket, time, TimeSpan.FromSeconds(seconds), TimeSpan.FromMilliseconds(stepMs), batch: (int)Math.Max(1, rate / 100));

        first.Should().Be(1, "the first event goes at once");
        taken.Should().BeCloseTo((long)(rate * seconds), (uint)Math.Max(1, rate * 0.001));
    }

    [Fact]
    public void Banks_at_most_its_capacity_after_an_idle_spell()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1_000, time, burstSeconds: 0.05);
        bucket.TryTake(int.MaxValue);

        time.Advance(TimeSpan.FromMinutes(1));

        bucket.TryTake(int.MaxValue).Should().Be(50);
        bucket.TryTake(int.MaxValue).Should().Be(0);
    }

    [Fact]
    public void A_new_rate_applies_from_the_moment_it_is_set()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(100, time);
        bucket.TryTake(1);

        var slow = TakeFor(bucket, time, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), 100);
        bucket.SetRate(2_000);
        var fast = TakeFor(bucket, time, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), 100);

        slow.Should().BeCloseTo(100, 1);
        fast.Should().BeCloseTo(2_000, 2);
        bucket.Rate.Should().Be(2_000);
    }

    [Fact]
    public async Task TakeAsync_waits_for_the_next_token_on_the_clock()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(5, time);

        (await bucket.TakeAsync(10, CancellationToken.None)).Should().Be(1);
        var next = bucket.TakeAsync(10, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(150));
        next.IsCompleted.Should().BeFalse("only 0.75 of a token has accrued");
        time.Advance(TimeSpan.FromMilliseconds(50));
        next.IsCompleted.Should().BeFalse("a take sleeps once, to a millisecond past its token's time");
        time.Advance(TimeSpan.FromMilliseconds(1));

        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(1);
    }

    [Fact]
    public async Task TakeAsync_with_a_least_waits_until_that_many_tokens_have_accrued()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(50, time);
        bucket.TryTake(1);

        var next = bucket.TakeAsync(5, CancellationToken.None, least: 5).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(60));
        next.IsCompleted.Should().BeFalse("3 of the 5 tokens have accrued");
        time.Advance(TimeSpan.FromMilliseconds(41));

        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(5, "100 ms at 50 a second is 5 tokens, taken at once");
    }

    [Fact]
    public async Task A_paced_take_sleeps_once_per_batch()
    {
        // At 30 a second 5 tokens take 166.7 ms, and a timer counts whole milliseconds.
        var time = new CountingTimeProvider();
        var bucket = new TokenBucket(30, time, burstSeconds: 0.2);
        bucket.TryTake(1);

        for (var tick = 0; tick < 20; tick++)
        {
            (await TakeFiringTimersLate(bucket, time, TimeSpan.Zero)).Should().Be(5);
        }

        time.Timers.Should().BeLessThanOrEqualTo(20, "each batch of 5 waits with one timer, not one cut to the millisecond and then another for the rest");
    }

    [Fact]
    public async Task Takes_that_wake_late_lose_none_of_the_rate()
    {
        // Every timer fires 7 ms late, as a busy machine's do; the bucket banks what accrues meanwhile.
        var time = new CountingTimeProvider();
        var bucket = new TokenBucket(50, time);
        bucket.TryTake(1);
        long taken = 0;

        var start = time.GetUtcNow();
        for (var tick = 0; tick < 100; tick++)
        {
            taken += await TakeFiringTimersLate(bucket, time, TimeSpan.FromMilliseconds(7));
        }

        var seconds = (time.GetUtcNow() - start).TotalSeconds;
        taken.Should().BeGreaterThanOrEqualTo((long)Math.Floor(50 * seconds) - 5, "the requested 50 a second, less at most a tick's worth still banked");
    }

    /// <summary>Takes a batch of 5, firing each timer the take sets <paramref name="late"/> after it is due.</summary>
    private static async Task<int> TakeFiringTimersLate(TokenBucket bucket, CountingTimeProvider time, TimeSpan late)
    {
        var timers = time.Timers;
        var take = bucket.TakeAsync(5, CancellationToken.None, least: 5).AsTask();
        while (!take.IsCompleted)
        {
            time.Timers.Should().Be(timers + 1, "a take that waits has set one timer");
            timers = time.Timers;
            time.Advance(time.LastDueTime + late);
            // The take goes on on the thread pool: wait until it has finished or set its next timer.
            SpinWait.SpinUntil(() => take.IsCompleted || time.Timers != timers, TimeSpan.FromSeconds(5)).Should().BeTrue();
        }
        return await take;
    }

    /// <summary>
    /// A fake clock that counts the timers created on it and keeps the last one's due time, cut to whole milliseconds
    /// as the runtime's timers cut it.
    /// </summary>
    private sealed class CountingTimeProvider : FakeTimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public TimeSpan LastDueTime { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            dueTime = TimeSpan.FromMilliseconds(Math.Floor(dueTime.TotalMilliseconds));
            LastDueTime = dueTime;
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timers);
            return timer;
        }
    }

    [Fact]
    public async Task A_least_above_the_capacity_waits_only_for_a_full_bucket()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(50, time, burstSeconds: 0.05);
        bucket.TryTake(1);

        var next = bucket.TakeAsync(10, CancellationToken.None, least: 10).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(41)); // 40 ms for 2 tokens, and the millisecond a take sleeps past

        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(2, "the bucket banks 2.5 tokens, so 2 whole ones is all a take can wait for");
    }

    [Theory]
    [InlineData(0.5, 1, 1)]          // one every 2 s
    [InlineData(5, 5, 5)]            // 5 once a second
    [InlineData(50, 50, 50)]         // the default rate: one tick of 50 a second, not 50 sends
    [InlineData(100, 100, 100)]
    [InlineData(1_000, 100, 100)]    // 100 ms' worth, the most a tick waits for
    [InlineData(50_000, 100, 500)]   // high rates: up to 10 ms' worth per take, as soon as 100 are there
    public void The_loop_sends_a_low_rate_in_1_s_ticks_and_a_high_rate_in_10_ms_batches(double rate, int least, int most)
    {
        ProducerLoop.Permits(rate).Should().Be((least, most));
    }

    [Fact]
    public async Task A_slow_rate_raised_while_waiting_applies_within_a_quarter_second()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(0.001, time);

        (await bucket.TakeAsync(10, CancellationToken.None)).Should().Be(1);
        var next = bucket.TakeAsync(10, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(100));
        next.IsCompleted.Should().BeFalse("at one token per 1,000 s the next is far off");
        bucket.SetRate(100);
        time.Advance(TimeSpan.FromMilliseconds(150));

        (await next.WaitAsync(TimeSpan.FromSeconds(5))).Should().BeGreaterThan(0, "the wait in progress ends by 250 ms and finds the new rate's tokens");
    }

    [Fact]
    public async Task A_rate_of_one_token_in_centuries_waits_instead_of_failing()
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(1e-12, time);

        (await bucket.TakeAsync(1, CancellationToken.None)).Should().Be(1);
        bucket.TimeUntilNext().Should().BeGreaterThan(TimeSpan.FromDays(10_000));
        var next = bucket.TakeAsync(1, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));

        next.IsFaulted.Should().BeFalse("a wait longer than a timer can hold is taken in short steps");
        next.IsCompleted.Should().BeFalse();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Refuses_a_rate_that_is_not_positive(double rate)
    {
        var act = () => new TokenBucket(rate);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
