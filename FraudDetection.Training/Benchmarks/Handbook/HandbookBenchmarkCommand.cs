using System.CommandLine;
using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Training.Cli;
using FraudDetection.Training.Trainers;
using Spectre.Console;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary><c>benchmark handbook --data transactions.csv.gz</c>: the book's protocol, our figures beside the book's.</summary>
public static class HandbookBenchmarkCommand
{
    public static Command Build()
    {
        var data = new Option<FileInfo>("--data") { Description = "The Handbook's transactions (CSV, plain or .gz), in its raw layout unless --mapping says otherwise", Required = true };
        var mapping = new Option<string>("--mapping") { Description = "Column mapping: a preset (handbook, kaggle) or a YAML/JSON file", DefaultValueFactory = _ => ColumnMapping.Handbook.Name };
        var map = new Option<string[]>("--map") { Description = "field=column on top of --mapping; repeatable", AllowMultipleArgumentsPerToken = true };
        var grid = new Option<string>("--grid") { Description = "Candidates compared on the validation folds: default (8 LightGBM settings) or quick (1)", DefaultValueFactory = _ => "default" };
        grid.AcceptOnlyFromAmong("default", "quick");
        var features = new Option<string>("--features") { Description = "Feature groups: all, card (card features only: the ablation), merchant, or group names", DefaultValueFactory = _ => "all" };
        var negatives = new Option<double>("--negatives-per-fraud") { Description = "Negatives kept per fraud in each training week (0 = all)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Seed of the learner (and of sampling)", DefaultValueFactory = _ => 42 };
        var seeds = new Option<int>("--seeds") { Description = "Models per fold, seeds --seed, --seed + 1, …, their scores averaged", DefaultValueFactory = _ => 1 };
        seeds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1) result.AddError("--seeds must be at least 1.");
        });
        var threads = new Option<int>("--threads") { Description = "Learner threads (0 = all cores)", DefaultValueFactory = _ => 1 };
        var merchantDayLag = new Option<int>("--merchant-day-lag") { Description = "Merchant activity features read the days up to D - this (FeatureOptions.MerchantDayLag)", DefaultValueFactory = _ => FeatureOptions.Default.MerchantDayLag };
        var ceiling = new Option<bool>("--ceiling") { Description = "Instead of training: the test-week frauds no feature can see, and the AP of a scorer perfect on the others" };

        var command = new Command("handbook",
            "The Fraud Detection Handbook's benchmark on its own protocol (Chapter 5 prequential folds, known cards removed, AP / ROC-AUC / CP@100)")
        {
            data, mapping, map, grid, features, negatives, seed, seeds, threads, merchantDayLag, ceiling,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            HandbookBenchmarkOptions options;
            try
            {
                options = new HandbookBenchmarkOptions
                {
                    DataFile = parse.GetValue(data)!.FullName,
                    Mapping = ColumnMapping.Resolve(parse.GetValue(mapping), parse.GetValue(map)),
                    Candidates = parse.GetValue(grid) == "quick" ? HandbookGrid.Quick : HandbookGrid.Default,
                    FeatureGroups = parse.GetValue(features)!,
                    NegativesPerFraud = parse.GetValue(negatives),
                    Seed = parse.GetValue(seed),
                    Seeds = parse.GetValue(seeds),
                    Threads = parse.GetValue(threads),
                    FeatureOptions = FeatureOptions.Default with { MerchantDayLag = parse.GetValue(merchantDayLag) },
                };
                options.FeatureOptions.Validate();
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentOutOfRangeException)
            {
                AnsiConsole.MarkupLine($"[red]benchmark failed:[/] {Markup.Escape(e.Message)}");
                return 2;
            }
            try
            {
                if (parse.GetValue(ceiling))
                {
                    PrintCeiling(HandbookCeiling.Run(options.DataFile, options.Mapping, options.Protocol), options.Protocol.TopK);
                    return 0;
                }
                var report = await StageProgress.RunAsync(progress => Task.Run(() => HandbookBenchmark.Run(options,
                    new Progress<HandbookProgress>(p => progress.Report(new TrainingProgress(p.Stage, p.Message, p.Done, p.Total))), cancellationToken), cancellationToken));
                Print(report, options, parse.GetValue(features)!);
                return 0;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException)
            {
                AnsiConsole.MarkupLine($"[red]benchmark failed:[/] {Markup.Escape(e.Message)}");
                return 1;
            }
        });
        return command;
    }

    private static string FraudulentCardsInTopK(IEnumerable<(HandbookFold Fold, double CardPrecision)> folds, int k)
    {
        var (found, places) = HandbookMetrics.FraudulentCardsInTopK(folds.Select(f => (f.Fold.TestDays, f.CardPrecision)), k);
        return string.Create(CultureInfo.InvariantCulture, $"{found:N0} fraudulent cards in the {places:N0} places of the test days' top {k}s");
    }

    private static void PrintCeiling(IReadOnlyList<HandbookCeilingFold> folds, int k)
    {
        var table = new Table().Title("test folds: frauds no feature can see (amount <= 220, no terminal fraud known in 28 days, amount <= 2x the card's 30-day mean)")
            .AddColumns("test week", "frauds", "hidden", "perfect on the rest: AUC ROC", "AP", $"CP@{k}");
        foreach (var f in folds)
        {
            table.AddRow($"{f.Fold.TestStart:yyyy-MM-dd}..{f.Fold.TestEnd.AddDays(-1):MM-dd}", $"{f.Frauds:N0}", string.Create(CultureInfo.InvariantCulture, $"{f.Hidden:N0} ({100.0 * f.Hidden / f.Frauds:F1}%)"),
                f.Perfect.RocAuc.ToString("F3", CultureInfo.InvariantCulture), f.Perfect.AveragePrecision.ToString("F3", CultureInfo.InvariantCulture),
                f.Perfect.CardPrecision.ToString("F3", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CP@{k} {MeanStd.Of(folds.Select(f => f.Perfect.CardPrecision)).Mean:F4}: {FraudulentCardsInTopK(folds.Select(f => (f.Fold, f.Perfect.CardPrecision)), k)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"handbook ceiling hidden={(double)folds.Sum(f => f.Hidden) / folds.Sum(f => f.Frauds):F3} ap={MeanStd.Of(folds.Select(f => f.Perfect.AveragePrecision))} roc_auc={MeanStd.Of(folds.Select(f => f.Perfect.RocAuc))} cp100={MeanStd.Of(folds.Select(f => f.Perfect.CardPrecision))}"));
    }

    private static void Print(HandbookReport report, HandbookBenchmarkOptions options, string features)
    {
        var k = options.Protocol.TopK;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{report.Transactions:N0} transactions ({report.SkippedRows:N0} skipped) through mapping '{options.Mapping.Name}'; features ({features}) from the first day, merchant day lag {options.FeatureOptions.MerchantDayLag}; {report.Elapsed.TotalMinutes:F1} min")));

        var folds = new Table().Title("test folds (known compromised cards removed from the test weeks)")
            .AddColumns("training week", "test week", "train tx / frauds", "test tx / frauds");
        foreach (var (fold, trainRows, trainFrauds, testRows, testFrauds) in report.TestFolds)
        {
            folds.AddRow($"{fold.TrainStart:yyyy-MM-dd}..{fold.TrainEnd.AddDays(-1):MM-dd}", $"{fold.TestStart:yyyy-MM-dd}..{fold.TestEnd.AddDays(-1):MM-dd}",
                $"{trainRows:N0} / {trainFrauds:N0}", $"{testRows:N0} / {testFrauds:N0}");
        }
        AnsiConsole.Write(folds);

        var validation = new Table().Title("validation folds (mean ± population std over 4 folds)").AddColumns("candidate", "AUC ROC", "AP", $"CP@{k}");
        foreach (var run in report.Validation)
        {
            validation.AddRow(Markup.Escape(HandbookBenchmark.Describe(run.Parameters)), run.RocAuc.ToString(), run.AveragePrecision.ToString(), run.CardPrecision.ToString());
        }
        AnsiConsole.Write(validation);

        var results = new Table().Title("test folds: each metric at the candidate with the best validation mean (the book's rule)")
            .AddColumns("model", "source", "AUC ROC", "AP", $"CP@{k}");
        foreach (var book in HandbookPublished.Results)
        {
            results.AddRow(Markup.Escape(book.Model), book.Source, book.RocAuc.ToString(), book.AveragePrecision.ToString(), book.CardPrecision.ToString());
        }
        results.AddRow($"[bold]LightGBM, {Markup.Escape(features)} features (this run)[/]", "FraudDetection",
            $"[bold]{report.RocAuc.Test}[/]", $"[bold]{report.AveragePrecision.Test}[/]", $"[bold]{report.CardPrecision.Test}[/]");
        AnsiConsole.Write(results);
        foreach (var choice in new[] { report.AveragePrecision, report.RocAuc, report.CardPrecision })
        {
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"{choice.Metric}: chose {HandbookBenchmark.Describe(choice.Parameters)} (validation {choice.ValidationMean:F3}) → test {choice.Test}")));
        }
        var chosenCp = report.Test.First(t => t.Parameters == report.CardPrecision.Parameters);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CP@{k} {report.CardPrecision.Test.Mean:F4}: {FraudulentCardsInTopK(report.TestFolds.Select(f => f.Fold).Zip(chosenCp.Folds.Select(f => f.CardPrecision)), k)}"));
        var best = HandbookPublished.Best;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"the book's best: AUC ROC {best.RocAuc:F3}, AP {best.AveragePrecision:F3}, CP@{k} {best.CardPrecision:F3}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"handbook ap={report.AveragePrecision.Test.Mean:F3} roc_auc={report.RocAuc.Test.Mean:F3} cp100={report.CardPrecision.Test.Mean:F3}"));
    }
}
