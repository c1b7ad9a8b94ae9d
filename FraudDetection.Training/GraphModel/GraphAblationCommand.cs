using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FraudDetection.Training.Graph.Training;
using Spectre.Console;

namespace FraudDetection.Training.GraphModel;

/// <summary><c>graph-ablation</c>: LightGBM, the graph model alone, LightGBM + embeddings and LightGBM + node statistics on one split.</summary>
public static class GraphAblationCommand
{
    public static Command Create()
    {
        var train = new Option<FileInfo[]>("--train") { Description = "Training CSVs (plain or .gz); the last 4 weeks validate and pick each threshold", Required = true, AllowMultipleArgumentsPerToken = true };
        var test = new Option<FileInfo[]>("--test") { Description = "Later CSVs every model is measured on (natural fraud rate)", Required = true, AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int>("--epochs") { Description = "Most epochs of the graph model", DefaultValueFactory = _ => new GraphSageOptions().Epochs };
        var threads = new Option<int>("--threads") { Description = "Threads of the graph model (0 = all cores); LightGBM uses one", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 42 };
        var output = new Option<FileInfo?>("--out") { Description = "Write the rows as JSON here" };
        var command = new Command("graph-ablation", "Compare LightGBM, the graph model, LightGBM + graph embeddings and LightGBM + node statistics on a later test period")
        {
            train, test, epochs, threads, seed, output,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new GraphAblationRequest([.. parse.GetValue(train)!.Select(f => f.FullName)], [.. parse.GetValue(test)!.Select(f => f.FullName)])
            {
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                Graph = new GraphSageOptions { Epochs = parse.GetValue(epochs) },
            };
            try
            {
                var rows = GraphAblation.Run(request, line => AnsiConsole.MarkupLine(Markup.Escape(line)), cancellationToken);
                Print(rows);
                if (parse.GetValue(output) is { } file)
                {
                    File.WriteAllText(file.FullName, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
                }
                return Task.FromResult(0);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or ArgumentException)
            {
                AnsiConsole.MarkupLine($"[red]graph-ablation failed:[/] {Markup.Escape(e.Message)}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private static void Print(IReadOnlyList<GraphAblationRow> rows)
    {
        string F(double? value) => value?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
        var table = new Table().Title("test period (natural fraud rate, thresholds from validation)")
            .AddColumns("model", "validation AP", "test AP", "ROC-AUC", "F1 (P / R)", "CP@100", "1:1 F1", "wall s", "CPU s");
        foreach (var r in rows)
        {
            table.AddRow(Markup.Escape(r.Model), F(r.Validation.AveragePrecision), F(r.Test.AveragePrecision), F(r.Test.RocAuc),
                $"{F(r.Test.F1)} ({F(r.Test.Precision)} / {F(r.Test.Recall)})", F(r.Test.CardPrecisionAt100PerDay), F(r.Test.Balanced1To1?.F1),
                r.Seconds.ToString("F0", CultureInfo.InvariantCulture), r.CpuSeconds.ToString("F0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        // The same rows as a Markdown table, for docs/benchmarks.md.
        Console.WriteLine("| model | inputs | validation AP | test AP | test ROC-AUC | test F1 (P / R) | CP@100 | 1:1 F1 | wall s | CPU s |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Model} | {r.Inputs} | {F(r.Validation.AveragePrecision)} | {F(r.Test.AveragePrecision)} | {F(r.Test.RocAuc)} | {F(r.Test.F1)} ({F(r.Test.Precision)} / {F(r.Test.Recall)}) | {F(r.Test.CardPrecisionAt100PerDay)} | {F(r.Test.Balanced1To1?.F1)} | {r.Seconds.ToString("F0", CultureInfo.InvariantCulture)} | {r.CpuSeconds.ToString("F0", CultureInfo.InvariantCulture)} |");
        }
    }
}
