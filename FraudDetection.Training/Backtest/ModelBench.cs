using System.Diagnostics;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Training.Backtest;

/// <summary>What <c>bench-model</c> measured.</summary>
/// <summary>What <c>bench-model</c> measured: wall-clock rates and, beside them, rates per CPU-second of this process (steadier on a shared machine).</summary>
public sealed record ModelBenchResult(int Rows, IReadOnlyList<(int BatchSize, double RowsPerSecond, double RowsPerCpuSecond)> Predict,
    double ExplainMillisecondsPerRow, double ExplainCpuMillisecondsPerRow, int Trees, int MaxDepth);

/// <summary>Raw <see cref="FraudModel"/> speed on real feature rows: batched Predict and exact TreeSHAP Explain, one thread.</summary>
public static class ModelBench
{
    public static ModelBenchResult Run(FraudModel model, FeatureMatrix rows, int[] batchSizes, TimeSpan perMeasure)
    {
        var f = rows.Columns;
        var probabilities = new float[batchSizes.Max()];
        var results = new List<(int, double, double)>();
        var process = Process.GetCurrentProcess();
        TimeSpan Cpu()
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
        foreach (var batch in batchSizes)
        {
            var usable = rows.Rows / batch * batch;
            if (usable == 0)
            {
                continue;
            }
            model.Predict(rows.Values.AsSpan(0, batch * f), batch, probabilities); // warm-up
            long scored = 0;
            var cpu = Cpu();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < perMeasure)
            {
                for (var start = 0; start < usable && clock.Elapsed < perMeasure; start += batch)
                {
                    model.Predict(rows.Values.AsSpan(start * f, batch * f), batch, probabilities);
                    scored += batch;
                }
            }
            var wall = clock.Elapsed;
            results.Add((batch, scored / wall.TotalSeconds, scored / Math.Max(1e-9, (Cpu() - cpu).TotalSeconds)));
        }

        var explainMs = double.NaN;
        var explainCpuMs = double.NaN;
        if (model.CanExplain && rows.Rows > 0)
        {
            var contributions = new double[f];
            model.Explain(rows.Row(0), contributions);
            var explained = 0;
            var cpu = Cpu();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < perMeasure)
            {
                model.Explain(rows.Row(explained % rows.Rows), contributions);
                explained++;
            }
            explainMs = clock.Elapsed.TotalMilliseconds / explained;
            explainCpuMs = (Cpu() - cpu).TotalMilliseconds / explained;
        }
        return new ModelBenchResult(rows.Rows, results, explainMs, explainCpuMs, model.Ensemble?.Trees.Count ?? 0, model.Ensemble?.MaxDepth ?? 0);
    }
}
