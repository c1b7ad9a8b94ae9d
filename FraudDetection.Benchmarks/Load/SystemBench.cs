using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FraudDetection.Benchmarks.Hosting;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Benchmarks.Scoring;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Options;

namespace FraudDetection.Benchmarks.Load;

/// <summary>
/// <c>system</c>: the whole system in its processes on the development broker (the default run: bundled history and
/// replay, looping): what it costs at the default rate, what it holds when 10,000 tx/s are offered, and whether its
/// memory stays flat over a soak.
/// </summary>
public static class SystemBench
{
    private const string EventToScoredBuckets = "fraud_scoring_event_to_scored_duration_seconds_bucket";
    private static readonly string[] Measured = ["kafka", "training", "scoring", "graph", "notifier", "producer", "web", "prometheus", Dashboard];

    /// <summary>The Aspire dashboard's resource: a user's run has it, and it receives every service's telemetry.</summary>
    private const string Dashboard = "aspire-dashboard";

    /// <summary>What the run started that is no resource (DCP and its process monitors), and the app host's own process (this one).</summary>
    private const string Orchestration = "app host + dcp";

    /// <summary>Scoring's lag above which a rate is not held (a bounded backlog, well inside what the development broker keeps).</summary>
    private const long MaxHeldLag = 20_000;

    public static Command Build()
    {
        var soak = new Option<double>("--soak-minutes") { Description = "Minutes at the soak rate, memory and lag sampled every 10 s", DefaultValueFactory = _ => 30 };
        var soakRate = new Option<int>("--soak-rate") { Description = "Soak rate, tx/s", DefaultValueFactory = _ => 500 };
        var warmup = new Option<int>("--warmup-seconds") { Description = "Seconds at the default rate before the idle cost is measured (the runtime recompiles hot code in the first minutes)", DefaultValueFactory = _ => 180 };
        var idle = new Option<int>("--idle-seconds") { Description = "Seconds the idle cost is measured over, at the default rate", DefaultValueFactory = _ => 60 };
        var offered = new Option<int>("--offered") { Description = "Rate offered for the throughput window, tx/s", DefaultValueFactory = _ => 10_000 };
        var window = new Option<int>("--window-seconds") { Description = "Length of the throughput window", DefaultValueFactory = _ => 60 };
        var rest = new Option<int>("--rest-seconds") { Description = "Seconds the cost at rest is measured over at the end, the Producer stopped and the backlog drained (0: not measured)", DefaultValueFactory = _ => 60 };
        var traceRatio = new Option<string?>("--trace-ratio") { Description = "The app host's --trace-ratio: the share of transactions traced (default: the app host's)" };
        var command = new Command("system", "The whole system in its processes: idle cost at the default rate, throughput at 10,000 tx/s offered, memory over a soak.")
        {
            soak, soakRate, warmup, idle, offered, window, rest, traceRatio,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(warmup), parse.GetValue(idle), parse.GetValue(offered), parse.GetValue(window),
            parse.GetValue(soak), parse.GetValue(soakRate), parse.GetValue(rest), parse.GetValue(traceRatio), cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(int warmupSeconds, int idleSeconds, int offered, int windowSeconds, double soakMinutes, int soakRate, int restSeconds,
        string? traceRatio, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("fd-system-").FullName;
        var clock = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,7:F1} s] {line}"));
        Console.WriteLine($"system: {Environment.ProcessorCount} cores; idle {idleSeconds} s at the default rate after {warmupSeconds} s of it, {offered:N0} tx/s offered for {windowSeconds} s, soak {soakMinutes} min at {soakRate} tx/s" +
            (traceRatio is null ? "" : $", trace ratio {traceRatio}"));
        string[] arguments = traceRatio is null ? ["--data-dir", data, "--loop"] : ["--data-dir", data, "--loop", "--trace-ratio", traceRatio];
        var app = await AppHostRun.CreateAsync(arguments, cancellationToken, dashboard: true);
        try
        {
            await app.StartAsync(cancellationToken);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            await AppHostRun.WaitHealthyAsync(notifications, Measured.Where(r => r is not "prometheus" and not Dashboard), TimeSpan.FromMinutes(10), cancellationToken);
            using var scoring = app.CreateHttpClient("scoring");
            using var producer = app.CreateHttpClient("producer");
            // The card history goes first at full speed; the default rate applies once the replay itself flows.
            await AppHostRun.PollAsync(async () => (await ScoringStatsAsync(scoring, cancellationToken)).Scored >= 200,
                "the replay scored after the history", TimeSpan.FromMinutes(10), cancellationToken);
            Log("every service healthy, the history sent, the replay flowing at the default rate");
            // Steady state: the services' tiered JIT recompiles hot code for the first minutes (several points of a core).
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, warmupSeconds)), cancellationToken);

            // Idle cost at the default rate.
            var rate = (await producer.GetFromJsonAsync<JsonElement>("/api/producer", cancellationToken)).GetProperty("rate").GetDouble();
            var idleTotal = await MeasureCpuAsync(notifications, $"idle cost at {rate:F0} tx/s", idleSeconds, cancellationToken);

            // Throughput and latency: the offered rate first (its p99 is the figure), then up in steps of a quarter of it
            // while held, or down until held, each for the window, the backlog drained before each step.
            using var graph = app.CreateHttpClient("graph");
            var first = await MeasureRateAsync(producer, scoring, graph, offered, windowSeconds, cancellationToken);
            Console.WriteLine($"with {offered:N0} tx/s offered: {first}; event→scored p99 {Milliseconds(first.P99Seconds)} ms");
            var best = first.Held ? first : null;
            var direction = first.Held ? 1 : -1;
            for (var stepRate = offered + direction * offered / 4; stepRate > 0 && stepRate <= 4 * offered; stepRate += direction * offered / 4)
            {
                await DrainAsync(producer, scoring, cancellationToken);
                var step = await MeasureRateAsync(producer, scoring, graph, stepRate, windowSeconds, cancellationToken);
                Console.WriteLine($"  {stepRate:N0} tx/s offered: {step}");
                if (step.Held)
                {
                    best = step;
                }
                if (step.Held != (direction > 0))
                {
                    break;
                }
            }
            var heldRate = best?.Scored ?? 0;
            Console.WriteLine(best is null
                ? $"no rate down to {offered / 4:N0} tx/s was held for {windowSeconds} s"
                : $"highest rate held for {windowSeconds} s with bounded lag: {best.Scored:N0} tx/s scored, {best.Graph:N0} tx/s into the graph, event→scored p99 {Milliseconds(best.P99Seconds)} ms");
            await DrainAsync(producer, scoring, cancellationToken);

            // Soak: memory and lag every 10 s.
            await SetRateAsync(producer, soakRate, cancellationToken);
            var samples = new List<(double Minutes, Dictionary<string, ProcessSample> Processes, long Lag)>();
            var soakStart = await ScoringStatsAsync(scoring, cancellationToken);
            var soakClock = Stopwatch.StartNew();
            while (soakClock.Elapsed.TotalMinutes < soakMinutes)
            {
                await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
                samples.Add((soakClock.Elapsed.TotalMinutes, Sample(notifications), (await ScoringStatsAsync(scoring, cancellationToken)).Lag));
            }
            // After warm-up: the first third of the soak is left out of the slope.
            var settled = samples.Where(s => s.Minutes >= soakMinutes / 3).ToList();
            Console.WriteLine($"soak {soakMinutes} min at {soakRate} tx/s ({samples.Count} samples; slope over the last two thirds), MB per hour:");
            double worst = 0;
            foreach (var resource in Measured.Where(r => settled.Count > 0 && settled.All(s => s.Processes.ContainsKey(r))))
            {
                var slope = Slope(settled.Select(s => (s.Minutes / 60, s.Processes[resource].RssBytes / 1048576.0)).ToList());
                worst = Math.Abs(slope) > Math.Abs(worst) ? slope : worst;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {resource,-10} {slope,8:F1} MB/h  ({settled[0].Processes[resource].RssBytes / 1048576.0:F0} → {settled[^1].Processes[resource].RssBytes / 1048576.0:F0} MB)"));
            }
            var soakEnd = await ScoringStatsAsync(scoring, cancellationToken);
            Console.WriteLine($"  Scoring's lag: at most {(samples.Count == 0 ? 0 : samples.Max(s => s.Lag)):N0}, at the end {(samples.Count == 0 ? 0 : samples[^1].Lag):N0}; " +
                $"{soakEnd.Scored - soakStart.Scored:N0} scored, {soakEnd.DeadLetters - soakStart.DeadLetters:N0} dead-lettered");

            // At rest: the Producer stopped and the backlog drained, what ten processes cost with nothing to do.
            double? restTotal = null;
            if (restSeconds > 0)
            {
                (await producer.PostAsync("/api/producer/stop", null, cancellationToken)).EnsureSuccessStatusCode();
                await AppHostRun.PollAsync(async () => (await ScoringStatsAsync(scoring, cancellationToken)).Lag == 0,
                    "Scoring's backlog drained", TimeSpan.FromMinutes(2), cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
                restTotal = await MeasureCpuAsync(notifications, "at rest (the Producer stopped)", restSeconds, cancellationToken);
            }
            await app.StopAsync(cancellationToken);

            // The raw limits on the same machine, with the system stopped: the run's champion alone, Kafka alone.
            var (onnx, kafka) = MeasureRawLimits(data);
            var limit = Math.Min(onnx, kafka);
            var limitRatio = heldRate / limit;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"raw limits: ONNX batch inference alone {onnx:N0} rows/s, Kafka consume + produce alone {kafka:N0} msg/s; the highest rate held is {limitRatio:F2} of the slower ({(onnx < kafka ? "ONNX" : "Kafka")})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"system throughput_tx_s={heldRate:F0} p99_ms={Milliseconds(first.P99Seconds)} limit_ratio={limitRatio:F2} idle_cpu_pct={idleTotal:F1} soak_rss_slope_mb_h={worst:F1} soak_minutes={soakMinutes:F0}{(restTotal is { } r ? $" rest_cpu_pct={r:F1}" : "")}"));
            return 0;
        }
        finally
        {
            await app.DisposeAsync();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>One rate for the window: held when Scoring's lag stays under <see cref="MaxHeldLag"/> and grows by no more than 2 % of it.</summary>
    private static async Task<RateStep> MeasureRateAsync(HttpClient producer, HttpClient scoring, HttpClient graph, int rate, int windowSeconds, CancellationToken cancellationToken)
    {
        await SetRateAsync(producer, rate, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var s0 = await ScoringStatsAsync(scoring, cancellationToken);
        var h0 = await BucketsAsync(scoring, cancellationToken);
        var g0 = await GraphTransactionsAsync(graph, cancellationToken);
        var clock = Stopwatch.StartNew();
        var bounded = true;
        while (bounded && clock.Elapsed.TotalSeconds < windowSeconds)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, windowSeconds)), cancellationToken);
            bounded = (await ScoringStatsAsync(scoring, cancellationToken)).Lag <= MaxHeldLag;
        }
        var s1 = await ScoringStatsAsync(scoring, cancellationToken);
        var h1 = await BucketsAsync(scoring, cancellationToken);
        var g1 = await GraphTransactionsAsync(graph, cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        var scored = (s1.Scored - s0.Scored) / seconds;
        // Held: the backlog stayed bounded and did not grow by more than 2 % of what was offered (the scored rate itself
        // is measured between two polls, and the Producer's pacing is not exact to the percent), at least 90 % of the
        // offered rate was scored (a bounded lag alone also reads "held" when less is produced) and nothing was
        // dead-lettered.
        var deadLettered = s1.DeadLetters - s0.DeadLetters;
        var held = bounded && s1.Lag - s0.Lag <= 1_000 + 0.02 * rate * seconds && scored >= 0.9 * rate && deadLettered == 0;
        return new RateStep(scored, (g1 - g0) / seconds, s0.Lag, s1.Lag, seconds, held, Percentile(h0, h1, 0.99), deadLettered);
    }

    /// <summary>The default rate until Scoring's backlog is gone (at most two minutes), so that a step starts from none.</summary>
    private static async Task DrainAsync(HttpClient producer, HttpClient scoring, CancellationToken cancellationToken)
    {
        await SetRateAsync(producer, 50, cancellationToken);
        var clock = Stopwatch.StartNew();
        while ((await ScoringStatsAsync(scoring, cancellationToken)).Lag > 1_000 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    private static string Milliseconds(double seconds) =>
        double.IsPositiveInfinity(seconds) ? "inf" : (seconds * 1000).ToString("F0", CultureInfo.InvariantCulture);

    private sealed record RateStep(double Scored, double Graph, long LagBefore, long LagAfter, double Seconds, bool Held, double P99Seconds, long DeadLettered)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Scored:N0} tx/s scored, {Graph:N0} tx/s into the graph over {Seconds:F0} s; Scoring's lag {LagBefore:N0} → {LagAfter:N0}; {DeadLettered:N0} dead-lettered ({(Held ? "held" : "not held")})");
    }

    private static (double Onnx, double Kafka) MeasureRawLimits(string dataDirectory)
    {
        const int count = 100_000;
        var registry = new FileModelRegistry(Path.Combine(dataDirectory, "registry"));
        var champion = registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias).GetAwaiter().GetResult()
                       ?? throw new InvalidOperationException("the run registered no champion to measure ONNX alone with");
        using var model = new OnnxModelLoader(1).Load(champion);
        var sample = TransactionCsv.ReadFile(RepositoryFiles.Resolve(RepositoryFiles.SampleRelativePath)).ToList();
        var rows = ScoringBench.Loop(sample, 0, count);
        var onnx = ScoringBench.MeasureOnnx(model, rows, new ScoringOptions().MaxBatchSize);
        // The development broker keeps ~5 MB a partition: enough partitions to hold the backlog (as the scoring bench does).
        var partitions = (int)Math.Ceiling(count * 1200.0 / (4 << 20));
        using var kafka = EmbeddedKafka.Start(partitions: partitions, topics: [Topics.Transactions, ScoringBench.RawTopic]);
        var (keys, values) = ScoringBench.Encode(rows);
        ScoringBench.ProduceAll(kafka.BootstrapServers, Topics.Transactions, keys, values);
        return (onnx, ScoringBench.MeasureKafka(kafka.BootstrapServers, count, ScoringBench.TypicalScoredBytes(model, rows[0])));
    }

    private static async Task<long> GraphTransactionsAsync(HttpClient graph, CancellationToken cancellationToken) =>
        (await graph.GetFromJsonAsync<JsonElement>("/api/graph/totals", cancellationToken)).GetProperty("transactions").GetInt64();

    /// <summary>CPU (% of one core) and resident memory of every process over the window, printed under the title; returns the total.</summary>
    private static async Task<double> MeasureCpuAsync(ResourceNotificationService notifications, string title, int seconds, CancellationToken cancellationToken)
    {
        var before = Sample(notifications);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        var after = Sample(notifications);
        var wall = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{title} over {wall:F0} s (CPU % of one core, resident memory):");
        double total = 0;
        foreach (var resource in after.Keys)
        {
            var cpu = (after[resource].CpuSeconds - before.GetValueOrDefault(resource).CpuSeconds) / wall * 100;
            total += cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {resource,-10} {cpu,6:F2} %  {after[resource].RssBytes / 1048576.0,8:F0} MB"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-10} {total,6:F2} %  {after.Values.Sum(v => v.RssBytes) / 1048576.0,8:F0} MB"));
        return total;
    }

    private readonly record struct ProcessSample(double CpuSeconds, long RssBytes);

    private readonly record struct ScoringProgress(long Scored, long Lag, long DeadLetters);

    /// <summary>CPU seconds and resident memory of each resource's process tree (the service and anything it started).</summary>
    private static Dictionary<string, ProcessSample> Sample(ResourceNotificationService notifications)
    {
        var samples = new Dictionary<string, ProcessSample>();
        var counted = new HashSet<int>();
        foreach (var resource in Measured)
        {
            int root;
            try
            {
                root = AppHostRun.Pid(notifications, resource);
            }
            catch (InvalidOperationException)
            {
                continue; // not part of this run (Prometheus not installed)
            }
            double cpu = 0;
            long rss = 0;
            var tree = ProcessTree.DescendantsFirst(root);
            foreach (var pid in tree)
            {
                var (seconds, bytes) = ProcessTree.Usage(pid);
                cpu += seconds;
                rss += bytes;
            }
            samples[resource] = new ProcessSample(cpu, rss);
            counted.UnionWith(tree);
        }
        double restCpu = 0;
        long restRss = 0;
        // The app host runs in this process; DCP detaches from it, so its trees are found by the process they monitor.
        var orchestration = ProcessTree.Monitoring(Environment.ProcessId).SelectMany(ProcessTree.DescendantsFirst)
            .Concat(ProcessTree.DescendantsFirst(Environment.ProcessId));
        foreach (var pid in orchestration.Where(counted.Add))
        {
            var (seconds, bytes) = ProcessTree.Usage(pid);
            restCpu += seconds;
            restRss += bytes;
        }
        samples[Orchestration] = new ProcessSample(restCpu, restRss);
        return samples;
    }

    private static async Task<ScoringProgress> ScoringStatsAsync(HttpClient scoring, CancellationToken cancellationToken)
    {
        var stats = await scoring.GetFromJsonAsync<JsonElement>("/api/scoring/stats", cancellationToken);
        return new ScoringProgress(stats.GetProperty("scored").GetInt64(),
            stats.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("lag").GetInt64()),
            stats.GetProperty("dead_letters_by_reason").EnumerateObject().Sum(r => r.Value.GetInt64()));
    }

    private static async Task SetRateAsync(HttpClient producer, double rate, CancellationToken cancellationToken)
    {
        using var response = await producer.PutAsJsonAsync("/api/producer/rate", new { rate }, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The event→scored histogram's cumulative bucket counts by upper bound (seconds), summed over label sets.</summary>
    private static async Task<SortedDictionary<double, double>> BucketsAsync(HttpClient scoring, CancellationToken cancellationToken)
    {
        var buckets = new SortedDictionary<double, double>();
        foreach (var line in (await scoring.GetStringAsync("/metrics", cancellationToken)).Split('\n'))
        {
            if (!line.StartsWith(EventToScoredBuckets, StringComparison.Ordinal))
            {
                continue;
            }
            var le = line.IndexOf("le=\"", StringComparison.Ordinal) + 4;
            var bound = line[le..line.IndexOf('"', le)];
            var upper = bound == "+Inf" ? double.PositiveInfinity : double.Parse(bound, CultureInfo.InvariantCulture);
            var value = double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            buckets[upper] = buckets.GetValueOrDefault(upper) + value;
        }
        return buckets;
    }

    /// <summary>The upper bound of the bucket holding quantile <paramref name="q"/> of what was observed between two scrapes.</summary>
    public static double Percentile(SortedDictionary<double, double> before, SortedDictionary<double, double> after, double q)
    {
        var total = after.LastOrDefault().Value - before.LastOrDefault().Value;
        if (total <= 0)
        {
            return double.NaN;
        }
        foreach (var (upper, count) in after)
        {
            if (count - before.GetValueOrDefault(upper) >= q * total)
            {
                return upper;
            }
        }
        return double.PositiveInfinity;
    }

    /// <summary>Least-squares slope of y over x.</summary>
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return 0;
        }
        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var varX = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return varX == 0 ? 0 : points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / varX;
    }
}
