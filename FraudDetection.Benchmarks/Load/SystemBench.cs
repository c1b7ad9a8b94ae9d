using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FraudDetection.Benchmarks.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Benchmarks.Load;

/// <summary>
/// <c>system</c>: the whole system in its processes on the development broker (the default run: bundled history and
/// replay, looping): what it costs at the default rate, what it holds when 10,000 tx/s are offered, and whether its
/// memory stays flat over a soak.
/// </summary>
public static class SystemBench
{
    private const string EventToScoredBuckets = "fraud_scoring_event_to_scored_duration_seconds_bucket";
    private static readonly string[] Measured = ["kafka", "training", "scoring", "graph", "notifier", "producer", "web", "prometheus"];

    public static Command Build()
    {
        var soak = new Option<double>("--soak-minutes") { Description = "Minutes at the soak rate, memory and lag sampled every 10 s", DefaultValueFactory = _ => 30 };
        var soakRate = new Option<int>("--soak-rate") { Description = "Soak rate, tx/s", DefaultValueFactory = _ => 500 };
        var idle = new Option<int>("--idle-seconds") { Description = "Seconds the idle cost is measured over, at the default rate", DefaultValueFactory = _ => 60 };
        var offered = new Option<int>("--offered") { Description = "Rate offered for the throughput window, tx/s", DefaultValueFactory = _ => 10_000 };
        var window = new Option<int>("--window-seconds") { Description = "Length of the throughput window", DefaultValueFactory = _ => 60 };
        var command = new Command("system", "The whole system in its processes: idle cost at the default rate, throughput at 10,000 tx/s offered, memory over a soak.")
        {
            soak, soakRate, idle, offered, window,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(idle), parse.GetValue(offered), parse.GetValue(window),
            parse.GetValue(soak), parse.GetValue(soakRate), cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(int idleSeconds, int offered, int windowSeconds, double soakMinutes, int soakRate, CancellationToken cancellationToken)
    {
        var data = Directory.CreateTempSubdirectory("fd-system-").FullName;
        var clock = Stopwatch.StartNew();
        void Log(string line) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,7:F1} s] {line}"));
        Console.WriteLine($"system: {Environment.ProcessorCount} cores; idle {idleSeconds} s at the default rate, {offered:N0} tx/s offered for {windowSeconds} s, soak {soakMinutes} min at {soakRate} tx/s");
        var app = await AppHostRun.CreateAsync(["--data-dir", data, "--loop"], cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            await AppHostRun.WaitHealthyAsync(notifications, Measured.Where(r => r != "prometheus"), TimeSpan.FromMinutes(10), cancellationToken);
            using var scoring = app.CreateHttpClient("scoring");
            using var producer = app.CreateHttpClient("producer");
            // The card history goes first at full speed; the default rate applies once the replay itself flows.
            await AppHostRun.PollAsync(async () => (await ScoringStatsAsync(scoring, cancellationToken)).Scored >= 200,
                "the replay scored after the history", TimeSpan.FromMinutes(10), cancellationToken);
            Log("every service healthy, the history sent, the replay flowing at the default rate");
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);

            // Idle cost at the default rate.
            var before = Sample(notifications);
            var idleClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(idleSeconds), cancellationToken);
            var after = Sample(notifications);
            var wall = idleClock.Elapsed.TotalSeconds;
            var rate = (await producer.GetFromJsonAsync<JsonElement>("/api/producer", cancellationToken)).GetProperty("rate").GetDouble();
            Console.WriteLine($"idle cost at {rate:F0} tx/s over {wall:F0} s (CPU % of one core, resident memory):");
            double idleTotal = 0;
            foreach (var resource in Measured.Where(after.ContainsKey))
            {
                var cpu = (after[resource].CpuSeconds - before.GetValueOrDefault(resource).CpuSeconds) / wall * 100;
                idleTotal += cpu;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {resource,-10} {cpu,6:F2} %  {after[resource].RssBytes / 1048576.0,8:F0} MB"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {"total",-10} {idleTotal,6:F2} %  {after.Values.Sum(v => v.RssBytes) / 1048576.0,8:F0} MB"));

            // Throughput and latency with 10,000 tx/s offered.
            await SetRateAsync(producer, offered, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            var s0 = await ScoringStatsAsync(scoring, cancellationToken);
            var h0 = await BucketsAsync(scoring, cancellationToken);
            var windowClock = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(windowSeconds), cancellationToken);
            var s1 = await ScoringStatsAsync(scoring, cancellationToken);
            var h1 = await BucketsAsync(scoring, cancellationToken);
            var seconds = windowClock.Elapsed.TotalSeconds;
            var throughput = (s1.Scored - s0.Scored) / seconds;
            var p99 = Percentile(h0, h1, 0.99) * 1000;
            var held = throughput >= 0.98 * offered; // else the lag grows by the difference every second
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"throughput with {offered:N0} tx/s offered: {throughput:N0} tx/s scored over {seconds:F0} s; event→scored p99 {p99:F0} ms; Scoring's lag {s0.Lag:N0} → {s1.Lag:N0} ({(held ? "held" : "growing: more is offered than it holds")})"));

            // Soak: memory and lag every 10 s.
            await SetRateAsync(producer, soakRate, cancellationToken);
            var samples = new List<(double Minutes, Dictionary<string, ProcessSample> Processes, long Lag)>();
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
            foreach (var resource in Measured.Where(r => settled.All(s => s.Processes.ContainsKey(r))))
            {
                var slope = Slope(settled.Select(s => (s.Minutes / 60, s.Processes[resource].RssBytes / 1048576.0)).ToList());
                worst = Math.Abs(slope) > Math.Abs(worst) ? slope : worst;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {resource,-10} {slope,8:F1} MB/h  ({settled[0].Processes[resource].RssBytes / 1048576.0:F0} → {settled[^1].Processes[resource].RssBytes / 1048576.0:F0} MB)"));
            }
            Console.WriteLine($"  Scoring's lag: at most {(samples.Count == 0 ? 0 : samples.Max(s => s.Lag)):N0}, at the end {(samples.Count == 0 ? 0 : samples[^1].Lag):N0}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"system throughput_tx_s={throughput:F0} p99_ms={p99:F0} idle_cpu_pct={idleTotal:F1} soak_rss_slope_mb_h={worst:F1} soak_minutes={soakMinutes:F0}"));
            await app.StopAsync(cancellationToken);
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

    private readonly record struct ProcessSample(double CpuSeconds, long RssBytes);

    private readonly record struct ScoringProgress(long Scored, long Lag);

    /// <summary>CPU seconds and resident memory of each resource's process tree (the launcher DCP started and the service under it).</summary>
    private static Dictionary<string, ProcessSample> Sample(ResourceNotificationService notifications)
    {
        var samples = new Dictionary<string, ProcessSample>();
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
            foreach (var pid in ProcessTree.DescendantsFirst(root))
            {
                var (seconds, bytes) = ProcessTree.Usage(pid);
                cpu += seconds;
                rss += bytes;
            }
            samples[resource] = new ProcessSample(cpu, rss);
        }
        return samples;
    }

    private static async Task<ScoringProgress> ScoringStatsAsync(HttpClient scoring, CancellationToken cancellationToken)
    {
        var stats = await scoring.GetFromJsonAsync<JsonElement>("/api/scoring/stats", cancellationToken);
        return new ScoringProgress(stats.GetProperty("scored").GetInt64(),
            stats.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("lag").GetInt64()));
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
