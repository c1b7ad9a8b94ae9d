using System.CommandLine;
using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Training.Backtest;
using FraudDetection.Training.Trainers;
using Spectre.Console;

namespace FraudDetection.Training.Cli;

/// <summary>The command line: <c>dotnet run --project FraudDetection.Training -- &lt;command&gt;</c>.</summary>
public static class TrainingCli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static Task<int> RunAsync(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FraudDetection training: train, evaluate, explain and export a fraud model; backtest it.");
        root.Add(TrainCommand());
        root.Add(BacktestCommand());
        root.Add(GraphModel.GraphAblationCommand.Create());
        root.Add(Benchmarks.BenchmarkCommand.Build());
        return root;
    }

    private static Command TrainCommand()
    {
        var data = new Option<FileInfo[]>("--data") { Description = "Kaggle-schema CSV (plain or .gz; other layouts with --mapping); repeat for several files", Required = true, AllowMultipleArgumentsPerToken = true };
        var (mapping, map) = MappingOptions();
        var validFrom = new Option<DateTime?>("--valid-from") { Description = "First day of the validation window (default: the last 4 weeks of the data)" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for model.onnx, metrics.json and the plots", Required = true };
        var trainer = new Option<string>("--trainer") { Description = "lightgbm, fasttree, logistic or graphsage (the graph model; not servable by Scoring)", DefaultValueFactory = _ => "lightgbm" };
        trainer.AcceptOnlyFromAmong("lightgbm", "fasttree", "logistic", "graphsage");
        var epochs = new Option<int?>("--epochs") { Description = "graphsage: most epochs (early stopping on validation AP)" };
        var tune = new Option<int>("--tune") { Description = "Random-search trials on the validation window (besides the defaults)", DefaultValueFactory = _ => 0 };
        var tuneSeconds = new Option<int>("--tune-seconds") { Description = "Stop starting tuning trials after this many seconds", DefaultValueFactory = _ => 90 };
        var seed = new Option<int>("--seed") { Description = "Seed for sampling and the learner", DefaultValueFactory = _ => 42 };
        var costRatio = new Option<double?>("--cost-ratio") { Description = "Pick the threshold minimising FP + ratio x FN instead of max F1" };
        var negatives = new Option<double>("--negatives-per-fraud") { Description = "Negatives kept per fraud in training (0 = all); the prior is corrected", DefaultValueFactory = _ => 15 };
        var trees = new Option<int?>("--trees") { Description = "Number of trees (default parameters)" };
        var leaves = new Option<int?>("--leaves") { Description = "Leaves per tree (default parameters)" };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Learning rate (default parameters)" };
        var threads = new Option<int>("--threads") { Description = "Learner threads (0 = all cores; default 1, see docs/training.md)", DefaultValueFactory = _ => 1 };
        var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots" };
        var version = new Option<string?>("--model-version") { Description = "Version to stamp (default: UTC timestamp)" };
        var features = FeaturesOption();

        var command = new Command("train", "Train on the data's earlier weeks, tune and pick the threshold on the last weeks, export ONNX")
        {
            data, mapping, map, validFrom, output, trainer, tune, tuneSeconds, seed, costRatio, negatives, trees, leaves, learningRate, threads, noPlots, version, features, epochs,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var defaults = new HyperParameters();
            defaults = parse.GetValue(trees) is int treeCount ? defaults with { Trees = treeCount } : defaults;
            defaults = parse.GetValue(leaves) is int leafCount ? defaults with { Leaves = leafCount } : defaults;
            defaults = parse.GetValue(learningRate) is double rate ? defaults with { LearningRate = rate } : defaults;
            if (!TryMapping(parse, mapping, map, out var columnMapping))
            {
                return 2;
            }
            var request = new TrainingRequest
            {
                DataFiles = [.. parse.GetValue(data)!.Select(f => f.FullName)],
                Mapping = columnMapping,
                OutputDirectory = parse.GetValue(output)!.FullName,
                ValidFrom = parse.GetValue(validFrom),
                Trainer = parse.GetValue(trainer) switch
                {
                    "fasttree" => TrainerKind.FastTree,
                    "logistic" => TrainerKind.Logistic,
                    "graphsage" => TrainerKind.GraphSage,
                    _ => TrainerKind.LightGbm,
                },
                Graph = parse.GetValue(epochs) is int epochCount ? new Graph.Training.GraphSageOptions { Epochs = epochCount } : null,
                TuneTrials = parse.GetValue(tune),
                TuneBudget = TimeSpan.FromSeconds(parse.GetValue(tuneSeconds)),
                Seed = parse.GetValue(seed),
                CostRatio = parse.GetValue(costRatio),
                NegativesPerFraud = parse.GetValue(negatives),
                Parameters = defaults,
                Threads = parse.GetValue(threads),
                WritePlots = !parse.GetValue(noPlots),
                ModelVersion = parse.GetValue(version),
                Features = FeatureSelection.Parse(parse.GetValue(features), columnMapping.Inputs),
            };
            try
            {
                var result = await StageProgress.RunAsync(progress => ModelTrainer.TrainAsync(request, progress, cancellationToken),
                    echo: p => p.Message.StartsWith("epoch ", StringComparison.Ordinal));
                PrintReport(result);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or Export.OnnxParityException)
            {
                AnsiConsole.MarkupLine($"[red]train failed:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private static Command BacktestCommand()
    {
        var model = new Option<FileSystemInfo>("--model") { Description = "Model folder (holding model.onnx) or an .onnx file", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "CSV to score (plain or .gz)", Required = true };
        var history = new Option<FileInfo[]>("--history") { Description = "Earlier CSVs that prime the card state (not scored); repeatable", AllowMultipleArgumentsPerToken = true };
        var output = new Option<FileInfo>("--out") { Description = "Output CSV: trans_num,score,is_fraud", Required = true };
        var (mapping, map) = MappingOptions();
        var command = new Command("backtest", "Score a file through the online feature pipeline and the ONNX model") { model, input, history, output, mapping, map };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!TryMapping(parse, mapping, map, out var columnMapping))
            {
                return 2;
            }
            var modelPath = parse.GetValue(model)!.FullName;
            if (Directory.Exists(modelPath))
            {
                modelPath = Path.Combine(modelPath, ModelRegistryNames.OnnxFileName);
            }
            try
            {
                // The features this file's layout allows: a model that needs a missing input is refused.
                var computes = new FeatureSelection(columnMapping.Inputs, ["all"]);
                using var fraudModel = FraudModel.Load(modelPath, computes);
                var runner = new BacktestRunner(fraudModel, computes: computes);
                var result = await StageProgress.RunAsync(progress => Task.Run(() => runner.RunFiles(
                    [.. (parse.GetValue(history) ?? []).Select(f => f.FullName)], parse.GetValue(input)!.FullName, parse.GetValue(output)!.FullName,
                    (stage, n) => progress.Report(new TrainingProgress(stage, $"{n:N0} transactions")), cancellationToken, columnMapping), cancellationToken));
                PrintBacktest(fraudModel, result, parse.GetValue(output)!.FullName);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException or ModelSchemaMismatchException)
            {
                AnsiConsole.MarkupLine($"[red]backtest failed:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private static (Option<string?> Mapping, Option<string[]> Map) MappingOptions() => (
        new Option<string?>("--mapping") { Description = "Column mapping for files in another layout: a preset (handbook) or a YAML/JSON file (docs/data.md)" },
        new Option<string[]>("--map") { Description = "field=column (e.g. card=CUSTOMER_ID), on top of --mapping; repeatable", AllowMultipleArgumentsPerToken = true });

    private static bool TryMapping(ParseResult parse, Option<string?> mapping, Option<string[]> map, out ColumnMapping result)
    {
        try
        {
            result = ColumnMapping.Resolve(parse.GetValue(mapping), parse.GetValue(map));
            return true;
        }
        catch (InvalidDataException e)
        {
            AnsiConsole.MarkupLine($"[red]mapping:[/] {Markup.Escape(e.Message)}");
            result = ColumnMapping.Kaggle;
            return false;
        }
    }

    /// <summary><c>--features</c>: which feature groups (all, card, merchant or group names, comma-separated).</summary>
    private static Option<string> FeaturesOption()
    {
        var option = new Option<string>("--features")
        {
            Description = $"Feature groups: all (default), card (every card group), merchant, or names: {string.Join(",", FeatureGroups.All.Select(g => g.Name))}",
            DefaultValueFactory = _ => "all",
        };
        option.Validators.Add(result =>
        {
            try
            {
                FeatureSelection.Parse(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
        return option;
    }

    private static void PrintReport(TrainingResult result)
    {
        var report = result.Report;
        AnsiConsole.MarkupLine($"[green]model {Markup.Escape(report.ModelVersion)}[/] ({report.Trainer}) in {result.Elapsed.TotalSeconds:F1} s → {Markup.Escape(result.OnnxPath)}");
        AnsiConsole.MarkupLine($"train {Markup.Escape(report.TrainWindow)}; validation {Markup.Escape(report.ValidationWindow)}; ONNX parity max |Δ| {result.Parity.MaxAbsDifference:G3} on {result.Parity.Rows:N0} rows");
        AnsiConsole.MarkupLine("stages: " + string.Join(", ", report.Params.Where(p => p.Key.StartsWith("seconds_", StringComparison.Ordinal)).Select(p => $"{p.Key[8..]} {p.Value} s")));
        PrintMetrics("validation (natural fraud rate)", report.Validation);
        var top = new Table().AddColumns("feature", "importance share", "feature ", "mean |SHAP|");
        for (var i = 0; i < Math.Min(10, report.FeatureImportance.Count); i++)
        {
            var shap = i < report.ShapMeanAbs.Count ? report.ShapMeanAbs[i] : null;
            top.AddRow(Markup.Escape(report.FeatureImportance[i].Feature), report.FeatureImportance[i].Value.ToString("P1", CultureInfo.InvariantCulture),
                Markup.Escape(shap?.Feature ?? "-"), shap?.Value.ToString("F3", CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(top);
        AnsiConsole.MarkupLine($"metrics.json and {report.Plots.Count} plots in {Markup.Escape(result.ModelDirectory)}");
        if (report.Params.GetValueOrDefault(Promotion.ModelServing.NotServableReasonParam) is { } notServable)
        {
            AnsiConsole.MarkupLine($"[yellow]not servable by Scoring[/] ({Markup.Escape(notServable)}); the promotion gate never makes it champion");
        }
    }

    private static void PrintBacktest(FraudModel model, BacktestResult result, string output)
    {
        AnsiConsole.MarkupLine($"model {Markup.Escape(model.Version)}: primed with {result.HistoryRows:N0} history rows, scored {result.Rows:N0} rows ({result.SkippedRows:N0} skipped) in {result.Elapsed.TotalSeconds:F1} s, {result.RowsPerSecond:N0} rows/s end to end (ONNX {result.ScoringElapsed.TotalSeconds:F1} s) → {Markup.Escape(output)}");
        if (result.Metrics is { } metrics)
        {
            PrintMetrics($"backtest at the model's threshold {model.Threshold:G4}", metrics);
        }
        else
        {
            AnsiConsole.MarkupLine("no labels in the input: no metrics");
        }
    }

    private static void PrintMetrics(string title, EvaluationMetrics m)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumns("metric", "value");
        table.AddRow("rows / frauds", $"{m.Rows:N0} / {m.Frauds:N0}");
        table.AddRow("ROC-AUC", m.RocAuc.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("average precision", m.AveragePrecision.ToString("F4", CultureInfo.InvariantCulture));
        table.AddRow("threshold", m.Threshold.ToString("G4", CultureInfo.InvariantCulture));
        table.AddRow("precision / recall / F1", $"{m.Precision:F4} / {m.Recall:F4} / {m.F1:F4}");
        table.AddRow("confusion tp / fp / tn / fn", $"{m.ConfusionMatrix.TruePositives:N0} / {m.ConfusionMatrix.FalsePositives:N0} / {m.ConfusionMatrix.TrueNegatives:N0} / {m.ConfusionMatrix.FalseNegatives:N0}");
        table.AddRow("card precision@100 per day", m.CardPrecisionAt100PerDay?.ToString("F4", CultureInfo.InvariantCulture) ?? "-");
        if (m.Balanced1To1 is { } b)
        {
            table.AddRow("1:1 down-sampled acc / prec / rec / F1", $"{b.Accuracy:F4} / {b.Precision:F4} / {b.Recall:F4} / {b.F1:F4}");
        }
        AnsiConsole.Write(table);
    }
}
