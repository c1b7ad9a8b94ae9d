using FraudDetection.Web.Clients;
using FraudDetection.Web.Counters;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Web;

/// <summary>
/// The headline counters poll the services every 2 s only while someone reads them: a system left alone with no page
/// open is not polled, and the next read resumes it without showing what was read before the pause. Rates span the
/// last 10 s of samples.
/// </summary>
public sealed class CounterSamplingTests
{
    [Fact]
    public async Task Sampling_pauses_when_nobody_reads_the_counters_and_resumes_on_the_next_read()
    {
        var time = NewClock();
        var services = new CountingServices();
        var sampler = new CounterSampler(services, services, services, services, time, NullLogger<CounterSampler>.Instance);
        await sampler.StartAsync(CancellationToken.None);
        try
        {
            // Sampled from the start: a total at once, a rate once there are two samples 2 s apart.
            await WaitForAsync(() => Scored(sampler).Total == 100);
            Scored(sampler).PerSecond.Should().BeNull("one sample is no rate");
            (await NextSampleAsync(sampler, services, time, 160)).Should().Be(30.0, "60 more in 2 s");

            // Nobody reads for a minute: the services are no longer asked.
            for (var waited = TimeSpan.Zero; waited <= CounterSampler.IdleAfter + CounterSampler.Interval; waited += CounterSampler.Interval)
            {
                var calls = services.ScoringCalls;
                time.Advance(CounterSampler.Interval);
                if (sampler.Sampling)
                {
                    await WaitForAsync(() => services.ScoringCalls > calls);
                }
            }
            sampler.Sampling.Should().BeFalse();
            var paused = services.ScoringCalls;
            time.Advance(TimeSpan.FromMinutes(10));
            await Task.Delay(200);
            services.ScoringCalls.Should().Be(paused, "no page is open and no API call came");
            services.ProducerCalls.Should().Be(paused).And.Be(services.NotifierCalls).And.Be(services.GraphCalls);

            // A page reads them: the read waits for the services' answers, so it shows their totals now, neither dashes nor
            // what was read ten minutes ago; sampling goes on, with a rate after the next sample.
            services.Scored = 5_000;
            var first = (await sampler.ReadingsAsync(CancellationToken.None)).Single(r => r.Key == "scored");
            first.Total.Should().Be(5_000, "the first read after the pause shows the total now");
            first.PerSecond.Should().BeNull("the sample before the pause is no base for a rate");
            sampler.Stream.Should().Be(new ProducerStatus("running", 50, 10, 10), "the Producer's state comes with its counter");
            (await NextSampleAsync(sampler, services, time, 5_010)).Should().Be(5.0);
            services.ScoringCalls.Should().Be(paused + 2);
            sampler.Sampling.Should().BeTrue();
        }
        finally
        {
            await sampler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_rate_spans_the_last_ten_seconds_so_a_counter_that_moves_in_steps_reads_steady_and_a_restart_starts_it_again()
    {
        var time = NewClock();
        var services = new CountingServices { Scored = 0 };
        var sampler = new CounterSampler(services, services, services, services, time, NullLogger<CounterSampler>.Instance);
        await sampler.StartAsync(CancellationToken.None);
        try
        {
            await WaitForAsync(() => Scored(sampler).Total == 0);
            // 45 a second, counted in steps that put 60 or 120 into alternate 2 s samples: 30 or 60 a second between two.
            var rates = new List<double?>();
            for (var sample = 1; sample <= 12; sample++)
            {
                rates.Add(await NextSampleAsync(sampler, services, time, services.Scored + (sample % 2 == 1 ? 60 : 120)));
            }
            rates[0].Should().Be(30.0, "the first rate has only two samples");
            rates.Skip(4).Should().AllSatisfy(rate => rate.Should().BeInRange(42.0, 48.0, "five steps in every 10 s window"));

            // Scoring started again and counts from zero: no rate across the restart, then the new one.
            (await NextSampleAsync(sampler, services, time, 10)).Should().BeNull("a count that went down is a restart, not a negative rate");
            (await NextSampleAsync(sampler, services, time, 30)).Should().Be(10.0, "20 more in 2 s since the restart");
        }
        finally
        {
            await sampler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_read_waits_for_a_slow_service_no_longer_than_the_first_sample_wait()
    {
        var time = NewClock();
        var services = new CountingServices { ScoringAnswer = new TaskCompletionSource<ScoringStats>() };
        var sampler = new CounterSampler(services, services, services, services, time, NullLogger<CounterSampler>.Instance);
        await sampler.StartAsync(CancellationToken.None);
        try
        {
            var read = sampler.ReadingsAsync(CancellationToken.None);
            await WaitForAsync(() => services.ScoringCalls == 1 && services.ProducerCalls == 1);
            await Task.Delay(100);
            read.IsCompleted.Should().BeFalse("Scoring has not answered yet and the wait is not over");

            time.Advance(CounterSampler.FirstSampleWait);
            var readings = await read.WaitAsync(TimeSpan.FromSeconds(10));
            readings.Single(r => r.Key == "scored").Total.Should().BeNull("Scoring has still not answered");
            readings.Single(r => r.Key == "produced").Total.Should().Be(10, "the Producer answered; its total is not held back by Scoring");

            services.ScoringAnswer.SetResult(new ScoringStats("consuming", "scoring", "1", 42, 1, []));
            await WaitForAsync(() => Scored(sampler).Total == 42);
        }
        finally
        {
            await sampler.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>Scoring counts <paramref name="scored"/>, the next sample reads it: its rate.</summary>
    private static async Task<double?> NextSampleAsync(CounterSampler sampler, CountingServices services, FakeTimeProvider time, long scored)
    {
        services.Scored = scored;
        time.Advance(CounterSampler.Interval);
        await WaitForAsync(() => Scored(sampler).Total == scored);
        return Scored(sampler).PerSecond;
    }

    private static FakeTimeProvider NewClock() =>
        new(DateTimeOffset.Parse("2026-12-06T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static (long? Total, double? PerSecond) Scored(CounterSampler sampler) =>
        sampler.Readings().Single(r => r.Key == "scored") is var r ? (r.Total, r.PerSecond) : default;

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the sampler should have read the services by now");
            await Task.Delay(10);
        }
    }

    /// <summary>The four services' answers, counting how often each was asked.</summary>
    private sealed class CountingServices : IProducerApi, IScoringApi, INotifierApi, IGraphApi
    {
        private int _producer, _scoring, _notifier, _graph;

        public long Scored { get; set; } = 100;

        /// <summary>When set, Scoring answers only once this completes.</summary>
        public TaskCompletionSource<ScoringStats>? ScoringAnswer { get; init; }

        public int ProducerCalls => Volatile.Read(ref _producer);

        public int ScoringCalls => Volatile.Read(ref _scoring);

        public int NotifierCalls => Volatile.Read(ref _notifier);

        public int GraphCalls => Volatile.Read(ref _graph);

        Task<ProducerStatus> IProducerApi.GetStatusAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _producer);
            return Task.FromResult(new ProducerStatus("running", 50, 10, 10));
        }

        public Task<ScoringStats> GetStatsAsync(CancellationToken cancellationToken = default)
        {
            var stats = new ScoringStats("consuming", "scoring", "1", Scored, 1, []);
            Interlocked.Increment(ref _scoring);
            return ScoringAnswer?.Task ?? Task.FromResult(stats);
        }

        Task<NotifierStatus> INotifierApi.GetStatusAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _notifier);
            return Task.FromResult(new NotifierStatus("dry-run", new Dictionary<string, long> { ["sent"] = 1 }));
        }

        public Task<GraphTotals> GetTotalsAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _graph);
            return Task.FromResult(new GraphTotals(1, 1, 1));
        }

        public Task<IReadOnlyList<GraphTransaction>> GetLatestTransactionsAsync(int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("not a counter");

        public Task<IReadOnlyList<MerchantVolume>> GetMerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("not a counter");

        public Task<FraudCounts> GetFraudCountsAsync(CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("not a counter");
    }
}
