using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Merchants;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Benchmarks.Scoring;

/// <summary>
/// Scoring on a live stream, as it runs in a deployment: a fresh development broker with its default partitions,
/// transactions produced in event-time order at a paced rate that goes up a step at a time while Scoring keeps up.
/// Unlike a preloaded backlog, every partition moves through the days together, so the merchant table covers a day
/// soon after the stream has passed it.
/// </summary>
public static class LiveStream
{
    /// <summary>
    /// A step stops once this many produced transactions are not yet scored: well within what the development broker
    /// keeps of its 4 partitions (~5 MB each), so nothing is trimmed unread and the next step starts from a drained lag.
    /// </summary>
    private const int MaxLag = 15_000;

    /// <summary>Partitions of every topic on the live stream's broker: the development broker's default.</summary>
    public const int Partitions = 4;

    /// <summary>
    /// One rate offered for the step's seconds: what the generator reached, what was scored in the same time, the lag
    /// left, how the lag moved while the step ran (<see cref="LagTrend"/>), and the process's CPU per transaction sent
    /// (the generator, the broker and the merchant stage included).
    /// </summary>
    public sealed record Step(int Offered, double Produced, double Scored, long LagAtEnd, long LagTrend, double P50Ms, double P99Ms, bool Held, double CpuMicrosPerTx)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Offered:N0} tx/s offered: {Produced:N0} produced, {Scored:N0} scored a second, lag at the end {LagAtEnd:N0} (trend {LagTrend:+#,0;-#,0;0}), " +
            $"CPU {CpuMicrosPerTx:0.0} µs/tx, event→scored p50 {P50Ms:0.0} ms, p99 {P99Ms:0.0} ms: {(Held ? "held" : "not held")}");
    }

    /// <summary>The lag while a step is produced: seconds into the step, transactions sent so far, produced and not yet scored.</summary>
    public readonly record struct LagSample(double Seconds, int Sent, long Lag);

    /// <summary>
    /// How the lag moved while a step ran: the mean lag of its last fifth less that of its second fifth, and what was
    /// produced between them. The first fifth is left out while the rows in flight build up to their steady count.
    /// When either window has no sample (a step of too few transactions), from the first sample to the last.
    /// </summary>
    public static (long Growth, double ProducedBetween) LagTrend(IReadOnlyList<LagSample> samples, double seconds)
    {
        var early = samples.Where(s => s.Seconds >= seconds / 5 && s.Seconds < 2 * seconds / 5).ToList();
        var late = samples.Where(s => s.Seconds >= 4 * seconds / 5).ToList();
        if (early.Count == 0 || late.Count == 0)
        {
            (early, late) = ([samples[0]], [samples[^1]]);
        }
        return ((long)Math.Round(late.Average(s => s.Lag) - early.Average(s => s.Lag)), late.Average(s => s.Sent) - early.Average(s => s.Sent));
    }

    /// <summary>The steps in order; the highest rate held is the highest scored rate of a held step (0 if none).</summary>
    public sealed record Result(IReadOnlyList<Step> Steps, long Alerts, long MerchantDays, long MerchantWaits)
    {
        public double HighestHeld => Steps.Where(s => s.Held).Select(s => s.Scored).DefaultIfEmpty(0).Max();
    }

    /// <summary>
    /// One round of the live stream both ways: the rates held and, at the highest rate offered that both held, what a
    /// transaction cost each (the CPU sets the rate on shared cores; a 5 s step's verdict turns on noise as well).
    /// </summary>
    public sealed record Pair(Result Card, Result WithStage)
    {
        /// <summary>The merchant run's highest rate held over the card-only run's (NaN when the card-only run held none).</summary>
        public double Ratio => Card.HighestHeld > 0 ? WithStage.HighestHeld / Card.HighestHeld : double.NaN;

        /// <summary>The highest rate offered that both runs held, or null.</summary>
        public int? MatchedRate => Card.Steps.Where(s => s.Held).Select(s => s.Offered)
            .Intersect(WithStage.Steps.Where(s => s.Held).Select(s => s.Offered)).Cast<int?>().DefaultIfEmpty(null).Max();

        /// <summary>A card-only transaction's CPU over one with the stage, at <see cref="MatchedRate"/>: 1 when the stage costs nothing.</summary>
        public double CpuRatio => MatchedRate is { } rate ? CpuAt(Card, rate) / CpuAt(WithStage, rate) : double.NaN;

        private static double CpuAt(Result result, int rate) => result.Steps.Where(s => s.Held && s.Offered == rate).Select(s => s.CpuMicrosPerTx).First();

        public override string ToString()
        {
            var held = string.Create(CultureInfo.InvariantCulture,
                $"card features only held {Card.HighestHeld:N0} tx/s | with the merchant stage {WithStage.HighestHeld:N0} tx/s = {Ratio:P0} " +
                $"({Card.Alerts:N0} | {WithStage.Alerts:N0} alerts; {WithStage.MerchantDays:N0} merchant days published, {WithStage.MerchantWaits:N0} held for the table)");
            return MatchedRate is { } rate
                ? held + string.Create(CultureInfo.InvariantCulture,
                    $"; at {rate:N0} tx/s offered, both held: {CpuAt(Card, rate):0.0} | {CpuAt(WithStage, rate):0.0} µs/tx = {CpuRatio:P0}")
                : held;
        }

        /// <summary>The medians over the rounds.</summary>
        public static Summary Summarize(IReadOnlyList<Pair> pairs) => new(pairs.Count,
            Median(pairs.Select(p => p.Card.HighestHeld)), Median(pairs.Select(p => p.WithStage.HighestHeld)),
            Median(pairs.Select(p => p.Ratio)), Median(pairs.Select(p => p.CpuRatio)), [.. pairs.Select(p => p.Ratio)]);

        /// <summary>The median of the numbers that are not NaN (NaN if none).</summary>
        public static double Median(IEnumerable<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            return sorted.Length == 0 ? double.NaN
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <summary>The live stream's rounds in one line: the median rates held, the median of the rounds' ratios, and each round's ratio.</summary>
    public sealed record Summary(int Rounds, double CardHeld, double MerchantHeld, double Ratio, double CpuRatio, IReadOnlyList<double> Ratios)
    {
        public override string ToString() => ToString("a live stream");

        public string ToString(string stream) => string.Create(CultureInfo.InvariantCulture,
            $"side by side, {stream}, median of {Rounds} round(s): card features only held {CardHeld:N0} tx/s | with the merchant stage {MerchantHeld:N0} tx/s; " +
            $"the rounds' ratios {string.Join(", ", Ratios.Select(r => r.ToString("P0", CultureInfo.InvariantCulture)))}, median {Ratio:P0}; " +
            $"CPU per transaction at the highest rate both held, card-only over with the stage: median {CpuRatio:P0}");
    }

    /// <summary>
    /// After a warm-up step at <paramref name="firstRate"/>, offers it, then that much more each step, for <paramref name="seconds"/> each, until a
    /// step is not held (stopped at <see cref="MaxLag"/>, or the lag trending up by more than 2 % of what it produced:
    /// <see cref="IsHeld"/>); then, the lag drained, the highest rate held plus half a step, then plus a quarter.
    /// </summary>
    public static async Task<Result> RunAsync(IScoringModel model, List<Transaction> sample, bool withMerchantStage, int firstRate, int seconds,
        string work, Action<Step> onStep, bool realTime = false)
    {
        using var kafka = EmbeddedKafka.Start(partitions: Partitions);
        var name = withMerchantStage ? "live-merchants" : "live";
        var options = new ScoringOptions { ConsumerGroup = name, CheckpointPath = Path.Combine(work, name + ".db") };
        var store = new SqliteCheckpointStore(options.CheckpointPath);
        var merchantOptions = new MerchantOptions();
        var table = withMerchantStage ? new MerchantTable(FeatureOptions.Default) : null;
        using var stop = new CancellationTokenSource();
        var services = new List<Task>();
        MerchantStage? stage = null;
        if (table is not null)
        {
            services.Add(new MerchantTableReader(kafka.BootstrapServers, table, store, options, NullLogger.Instance, merchantOptions).RunAsync(stop.Token));
            stage = new MerchantStage(kafka.BootstrapServers, merchantOptions, new SqliteCheckpointStore(Path.Combine(work, name + "-stage.db")), NullLogger.Instance, table);
            services.Add(stage.RunAsync(stop.Token));
        }
        using var telemetry = new ScoringTelemetry();
        var latencies = new ScoringBench.LatencyRecorder();
        using var listener = latencies.Listen(telemetry);
        var stats = new ScoringStats();
        var consumer = new ScoringConsumer(kafka.BootstrapServers, options, new OnlineFeaturePipeline(merchantTable: table), new ScoringBench.FixedModelSource(model), store,
            telemetry, stats, NullLogger.Instance, merchantOptions: merchantOptions);
        var run = consumer.RunAsync(stop.Token);
        var steps = new List<Step>();
        try
        {
            var ready = Stopwatch.StartNew();
            while (consumer.OwnedPartitions.Count == 0 && ready.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(10);
            }
            var config = ScoringKafkaClients.ProducerConfig(kafka.BootstrapServers, new ScoringOptions());
            using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
            long produced = 0;
            var lastEvent = DateTime.MinValue;
            var sinceLastStep = Stopwatch.StartNew();
            async Task OfferAsync(int rate, bool warmUp = false)
            {
                var rows = ScoringBench.Loop(sample, (int)produced, rate * seconds);
                if (realTime && !warmUp)
                {
                    // The warm-up replayed the sample's first days as fast as they went (the merchant table holds them);
                    // from there event time moves with the clock.
                    InRealTime(rows, lastEvent + sinceLastStep.Elapsed, rate);
                }
                var (keys, values) = ScoringBench.Encode(rows);
                latencies.TakeSnapshot();
                var scoredBefore = stats.Scored;
                var lagBefore = produced - scoredBefore;
                var samples = new List<LagSample>();
                var clock = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sent = await Task.Run(() => ProducePaced(producer, keys, values, rate, sentNow =>
                {
                    var lagNow = produced + sentNow - stats.Scored;
                    samples.Add(new(clock.Elapsed.TotalSeconds, sentNow, lagNow));
                    return lagNow > MaxLag;
                }));
                var elapsed = clock.Elapsed.TotalSeconds;
                var cpuMicrosPerTx = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, sent);
                produced += sent;
                if (sent > 0)
                {
                    lastEvent = rows[sent - 1].TransDateTransTime;
                }
                sinceLastStep.Restart();
                var scored = stats.Scored - scoredBefore;
                var lag = produced - stats.Scored;
                samples.Add(new(elapsed, sent, lag));
                var trend = LagTrend(samples, seconds);
                var snapshot = latencies.TakeSnapshot();
                var step = new Step(rate, sent / elapsed, scored / elapsed, lag, trend.Growth,
                    ScoringBench.Percentile(snapshot, 50), ScoringBench.Percentile(snapshot, 99), Held: IsHeld(rows.Length, sent, trend), cpuMicrosPerTx);
                if (!warmUp)
                {
                    steps.Add(step);
                    onStep(step);
                }
            }

            // A warm-up step first, not counted: the first seconds of a fresh consumer (JIT, first fetches, a cold
            // feature state) are not its rate.
            await OfferAsync(firstRate, warmUp: true);
            await DrainAsync(() => produced - stats.Scored);

            while (NextRate(steps, firstRate) is { } rate)
            {
                if (steps.Any(s => !s.Held))
                {
                    await DrainAsync(() => produced - stats.Scored);
                }
                await OfferAsync(rate);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await Task.WhenAll(services);
            consumer.Dispose();
        }
        return new Result(steps, stats.Alerts, stage?.PublishedDays ?? 0, consumer.MerchantWaits);
    }

    /// <summary>
    /// Stamps the rows in real time, row i at i / <paramref name="rate"/> seconds after <paramref name="start"/> (when it
    /// is due to go out): a stream whose merchant day changes once a day, not every few milliseconds as when a data
    /// set's days are replayed at tens of thousands of transactions a second.
    /// </summary>
    public static void InRealTime(Transaction[] rows, DateTime start, int rate)
    {
        for (var i = 0; i < rows.Length; i++)
        {
            var at = start + TimeSpan.FromSeconds((double)i / rate);
            rows[i] = rows[i] with { TransDateTransTime = at, UnixTime = KaggleTime.UnixTime(at) };
        }
    }

    /// <summary>
    /// A step is held when all of it went out (none stopped at <see cref="MaxLag"/>) and its lag did not trend up: it
    /// grew by at most 2 % of what was produced meanwhile (<see cref="LagTrend"/>). The trend leaves out the lag's
    /// level: rows in flight (batches on their way, and with the merchant stage a new day's rows waiting for the
    /// stage's round trip) are latency, more of them the higher the rate, whether or not the rate is held.
    /// </summary>
    public static bool IsHeld(int rows, int sent, (long Growth, double ProducedBetween) trend) =>
        sent == rows && trend.Growth <= 0.02 * trend.ProducedBetween;

    /// <summary>
    /// The rate of the next step, or null when done: up by <paramref name="firstRate"/> while every step was held, then
    /// the highest rate held plus half a step, then plus a quarter.
    /// </summary>
    public static int? NextRate(IReadOnlyList<Step> steps, int firstRate)
    {
        if (steps.Count == 0)
        {
            return firstRate;
        }
        var firstNotHeld = steps.ToList().FindIndex(s => !s.Held);
        if (firstNotHeld < 0)
        {
            return steps[^1].Offered + firstRate;
        }
        var refinements = steps.Count - 1 - firstNotHeld;
        var delta = firstRate >> (refinements + 1);
        return refinements < 2 && delta > 0 ? steps.Where(s => s.Held).Select(s => s.Offered).DefaultIfEmpty(0).Max() + delta : null;
    }

    /// <summary>Waits until the lag stops falling for a second (a merchant day's last rows may wait for the next day), at most 30 s.</summary>
    private static async Task DrainAsync(Func<long> lag)
    {
        var clock = Stopwatch.StartNew();
        var last = lag();
        var since = Stopwatch.StartNew();
        while (last > 0 && since.Elapsed < TimeSpan.FromSeconds(1) && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
            var now = lag();
            if (now < last)
            {
                since.Restart();
            }
            last = now;
        }
    }

    /// <summary>
    /// Message i goes out i / rate seconds after the start; a full local queue waits for the broker's acknowledgements.
    /// Stops early, returning how many went out, once <paramref name="tooFarBehind"/> says so (asked every 100).
    /// </summary>
    internal static int ProducePaced(IProducer<byte[], byte[]> producer, byte[][] keys, byte[][] values, int rate, Func<int, bool> tooFarBehind)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < values.Length; i++)
        {
            if (i % 100 == 0 && tooFarBehind(i))
            {
                return i;
            }
            // Sleep, not spin: a spinning load generator takes one of the 2 cores from the service it measures. Due
            // messages go out together (~10 per ms at 10,000/s).
            while (clock.Elapsed.TotalSeconds < (double)i / rate)
            {
                Thread.Sleep(1);
            }
            ScoringBench.ProduceWhenRoom(producer, Topics.Transactions, keys[i], values[i]);
        }
        return values.Length;
    }
}
