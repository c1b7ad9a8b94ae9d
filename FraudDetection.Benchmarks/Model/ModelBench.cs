using System.CommandLine;
using System.Diagnostics;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Training.Trainers;
using Spectre.Console;

namespace FraudDetection.Benchmarks.Model;

/// <summary>What <c>model</c> measured: wall-clock rates and, beside them, rates per CPU-second of this process (steadier on a shared machine).</summary>
public sealed record ModelBenchResult(int Rows, IReadOnlyList<(int BatchSize, double RowsPerSecond, double RowsPerCpuSecond)> Predict,
    double ExplainMillisecondsPerRow, double ExplainCpuMillisecondsPerRow, int Trees, int MaxDepth, int Leaves, double MeanPathFeatures);

/// <summary>Raw <see cref="FraudModel"/> speed on real feature rows: batched Predict and exact TreeSHAP Explain, one thread.</summary>
public static class ModelBench
{
    public static Command Build()
    {
        var model = new Option<FileSystemInfo>("--model") { Description = "Model folder (holding model.onnx) or an .onnx file", Required = true };
        var data = new Option<string>("--data") { Description = "CSV whose rows are featurized and scored", DefaultValueFactory = _ => RepositoryFiles.SampleRelativePath };
        var rows = new Option<int>("--rows") { Description = "Rows to featurize", DefaultValueFactory = _ => 20_000 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement", DefaultValueFactory = _ => 3 };
        var command = new Command("model", "FraudModel.Predict (batched) and Explain (TreeSHAP) on one thread") { model, data, rows, seconds };
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model)!.FullName;
            if (Directory.Exists(modelPath))
            {
                modelPath = Path.Combine(modelPath, ModelRegistryNames.OnnxFileName);
            }
            using var fraudModel = FraudModel.Load(modelPath, FeatureSelection.All);
            var matrix = TransactionSource.Replay([RepositoryFiles.Resolve(parse.GetValue(data)!)], new ReadReport(),
                txs => FeatureMatrix.Build(txs.Take(parse.GetValue(rows))).For(fraudModel.Schema));
            var result = Run(fraudModel, matrix, [1, 64, 1024], TimeSpan.FromSeconds(parse.GetValue(seconds)));
            AnsiConsole.MarkupLine($"model {Markup.Escape(fraudModel.Version)}: {result.Trees} trees, {result.Leaves:N0} leaves, max depth {result.MaxDepth}, " +
                $"{result.MeanPathFeatures:F1} distinct features on a leaf's path on average, {result.Rows:N0} rows, {Environment.ProcessorCount} cores");
            foreach (var (batch, rate, cpuRate) in result.Predict)
            {
                AnsiConsole.MarkupLine($"Predict batch {batch,5}: {rate,12:N0} rows/s wall, {cpuRate,12:N0} rows per CPU-second");
            }
            AnsiConsole.MarkupLine($"Explain (exact TreeSHAP): {result.ExplainMillisecondsPerRow:F3} ms/row wall, {result.ExplainCpuMillisecondsPerRow:F3} CPU-ms/row");
            return 0;
        });
        return command;
    }

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
        var (leaves, meanPathFeatures) = model.Ensemble is { } ensemble ? LeafPaths(ensemble.Trees) : (0, 0.0);
        return new ModelBenchResult(rows.Rows, results, explainMs, explainCpuMs, model.Ensemble?.Trees.Count ?? 0, model.Ensemble?.MaxDepth ?? 0,
            leaves, meanPathFeatures);
    }

    /// <summary>The leaves of every tree and the mean count of distinct features on a leaf's path: what TreeSHAP's work grows with.</summary>
    public static (int Leaves, double MeanPathFeatures) LeafPaths(IEnumerable<Core.Models.Trees.DecisionTree> trees)
    {
        int leaves = 0;
        long features = 0;
        foreach (var tree in trees)
        {
            var onPath = new Dictionary<int, int>();
            void Walk(int node)
            {
                if (tree.IsLeaf(node))
                {
                    leaves++;
                    features += onPath.Count;
                    return;
                }
                var feature = tree.Feature[node];
                onPath[feature] = onPath.GetValueOrDefault(feature) + 1;
                Walk(tree.Left[node]);
                Walk(tree.Right[node]);
                if (--onPath[feature] == 0)
                {
                    onPath.Remove(feature);
                }
            }
            Walk(0);
        }
        return (leaves, leaves == 0 ? 0 : (double)features / leaves);
    }
}
