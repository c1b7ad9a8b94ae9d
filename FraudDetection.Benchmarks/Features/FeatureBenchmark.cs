using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Core.Features;

namespace FraudDetection.Benchmarks.Features;

/// <summary>What <see cref="FeatureBenchmark.Run"/> measured (best of the repeats; CPU time is the process's).</summary>
public sealed record FeatureBenchmarkResult(
    int Rows,
    int Features,
    double BuildWallSeconds,
    double BuildCpuSeconds,
    double UpdateOnlyCpuSeconds,
    int Cards,
    long CheckpointBytes,
    double SaveMilliseconds,
    double LoadMilliseconds)
{
    public double RowsPerSecond => Rows / BuildWallSeconds;
    public double RowsPerCpuSecond => Rows / BuildCpuSeconds;
    public double UpdateOnlyRowsPerCpuSecond => Rows / UpdateOnlyCpuSeconds;
}

/// <summary>
/// <c>features</c>: featurization speed on transactions already in memory (parsing excluded), single-threaded:
/// <see cref="FeatureMatrix.Build(IEnumerable{Transaction}, OnlineFeatureState?, Func{Transaction, bool}?, Action{long}?, int)"/>,
/// priming only (<see cref="OnlineFeatureState.Update"/>), and a checkpoint save/load of the final state.
/// </summary>
public static class FeatureBenchmark
{
    public static Command Build()
    {
        var data = new Option<string>("--data") { Description = "CSV (plain or .gz) whose rows are featurized", DefaultValueFactory = _ => RepositoryFiles.SampleRelativePath };
        var repeats = new Option<int>("--repeats") { Description = "Measurements; the best is kept", DefaultValueFactory = _ => 3 };
        var features = new Option<string>("--features") { Description = "Feature groups: all (default), card (every card group), merchant, or group names", DefaultValueFactory = _ => "all" };
        var command = new Command("features", "The online feature pipeline (FeatureMatrix.Build, priming, checkpoint) on one thread") { data, repeats, features };
        command.SetAction(parse =>
        {
            var rows = TransactionCsv.ReadFile(RepositoryFiles.Resolve(parse.GetValue(data)!)).ToList();
            var result = Run(rows, repeats: parse.GetValue(repeats), output: Console.Out, selection: FeatureSelection.Parse(parse.GetValue(features)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"features_rows_per_s={result.RowsPerSecond:F0} features_rows_per_cpu_s={result.RowsPerCpuSecond:F0} checkpoint_bytes={result.CheckpointBytes}"));
            return 0;
        });
        return command;
    }

    public static FeatureBenchmarkResult Run(IReadOnlyList<Transaction> rows, FeatureOptions? options = null, int repeats = 3, TextWriter? output = null,
        FeatureSelection? selection = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        var process = Process.GetCurrentProcess();
        double bestWall = double.MaxValue, bestCpu = double.MaxValue, bestUpdate = double.MaxValue;
        OnlineFeatureState state = null!;
        for (var i = 0; i < repeats; i++)
        {
            GC.Collect();
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var wall = Stopwatch.StartNew();
            state = new OnlineFeatureState(options, selection);
            var matrix = FeatureMatrix.Build(rows, state, capacityHint: rows.Count);
            wall.Stop();
            process.Refresh();
            var cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
            bestWall = Math.Min(bestWall, wall.Elapsed.TotalSeconds);
            bestCpu = Math.Min(bestCpu, Math.Max(cpuSeconds, 1e-6));
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"features: {matrix.Rows:N0} rows x {matrix.Columns} in {wall.Elapsed.TotalSeconds:F2} s wall " +
                $"({matrix.Rows / wall.Elapsed.TotalSeconds:N0} rows/s), {cpuSeconds:F2} s CPU ({matrix.Rows / Math.Max(cpuSeconds, 1e-6):N0} rows/CPU-s)"));

            process.Refresh();
            cpu = process.TotalProcessorTime;
            FeatureMatrix.Prime(new OnlineFeatureState(options, selection), rows);
            process.Refresh();
            bestUpdate = Math.Min(bestUpdate, Math.Max((process.TotalProcessorTime - cpu).TotalSeconds, 1e-6));
        }
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"update only (priming): {rows.Count / bestUpdate:N0} rows/CPU-s"));

        var save = Stopwatch.StartNew();
        var checkpoint = state.ToCheckpointBytes(); // what Scoring's consume loop does at a checkpoint
        save.Stop();
        var load = Stopwatch.StartNew();
        OnlineFeatureState.Load(new MemoryStream(checkpoint, writable: false), options, selection);
        load.Stop();
        output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"checkpoint: {state.CardCount:N0} cards, {checkpoint.Length / 1048576.0:F2} MiB, " +
            $"save {save.Elapsed.TotalMilliseconds:F1} ms, load {load.Elapsed.TotalMilliseconds:F1} ms"));
        return new FeatureBenchmarkResult(rows.Count, state.Selection.Schema.Count, bestWall, bestCpu, bestUpdate, state.CardCount,
            checkpoint.Length, save.Elapsed.TotalMilliseconds, load.Elapsed.TotalMilliseconds);
    }
}
