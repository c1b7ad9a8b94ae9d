using System.CommandLine;
using System.Globalization;
using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Producer.Cli;

/// <summary>
/// <c>synth --format csv --from DATE --to DATE --out FILE</c>: the options that turn the synthetic stream into a labelled
/// data set in the Kaggle layout (<see cref="SyntheticDataset"/>), and the run that writes it.
/// </summary>
internal sealed class SynthDatasetOptions
{
    public const string Csv = "csv";
    public const string Json = "json";

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ss"];

    private readonly Option<string> _format = new("--format")
    {
        Description = "json: a stream of JSON transactions onto Kafka or stdout; csv: a labelled Kaggle-layout file (--from, --to, --out)",
        DefaultValueFactory = _ => Json,
    };

    private readonly Option<string?> _from = new("--from") { Description = "csv: first day (yyyy-MM-dd) or instant (yyyy-MM-dd HH:mm:ss) of the data set" };

    private readonly Option<string?> _to = new("--to") { Description = "csv: last day (inclusive, yyyy-MM-dd) or instant of the data set" };

    private readonly Option<string?> _out = new("--out") { Description = "csv: the file to write; gzip when it ends in .gz" };

    public SynthDatasetOptions() => _format.AcceptOnlyFromAmong(Json, Csv);

    public void AddTo(Command command)
    {
        command.Add(_format);
        command.Add(_from);
        command.Add(_to);
        command.Add(_out);
    }

    public bool IsCsv(ParseResult parse) => parse.GetValue(_format) == Csv;

    /// <summary>The name of a csv-only option given without <c>--format csv</c>, or null.</summary>
    public string? UsedWithoutCsv(ParseResult parse) =>
        new[] { _from, _to, _out }.FirstOrDefault(option => parse.GetValue(option) is not null)?.Name;

    public int Run(ParseResult parse, string scenario, int seed, double fraudShare, int holders, CancellationToken cancellationToken)
    {
        var path = parse.GetValue(_out);
        if (string.IsNullOrWhiteSpace(path))
        {
            return Fail("--format csv needs --out FILE");
        }
        if (!TryParseDate(parse.GetValue(_from), endOfDay: false, out var from))
        {
            return Fail("--format csv needs --from yyyy-MM-dd (or yyyy-MM-dd HH:mm:ss)");
        }
        if (!TryParseDate(parse.GetValue(_to), endOfDay: true, out var to))
        {
            return Fail("--format csv needs --to yyyy-MM-dd (or yyyy-MM-dd HH:mm:ss)");
        }
        if (to < from)
        {
            return Fail($"--to ({to:yyyy-MM-dd HH:mm:ss}) is before --from ({from:yyyy-MM-dd HH:mm:ss})");
        }
        if (fraudShare is < 0 or >= 1)
        {
            return Fail("--fraud-share must be in [0, 1)");
        }
        if (holders < 1)
        {
            return Fail("--card-holders must be at least 1");
        }

        var settings = new SyntheticSettings { Scenario = scenario, Seed = seed, FraudShare = fraudShare, CardHolders = holders, Start = from };
        Console.Error.WriteLine($"writing {path}: {holders:N0} card holders, {scenario}, fraud share {fraudShare:P1}, seed {seed}, "
                                + $"{from:yyyy-MM-dd HH:mm:ss} .. {to:yyyy-MM-dd HH:mm:ss}");
        SyntheticDatasetSummary summary;
        try
        {
            summary = SyntheticDataset.Write(settings, to, path, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped: no file written");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(e.Message);
        }
        var span = summary.First is { } first && summary.Last is { } last ? $"{first:yyyy-MM-dd HH:mm:ss} .. {last:yyyy-MM-dd HH:mm:ss}" : "no events";
        Console.WriteLine($"wrote {summary.Rows:N0} rows ({summary.Frauds:N0} fraud, {summary.Frauds / (double)Math.Max(summary.Rows, 1):P2}), "
                          + $"{span}, {summary.Bytes / 1048576.0:N1} MiB to {path}");
        Console.WriteLine($"{summary.Elapsed.TotalSeconds:F1} s: {summary.RowsPerSecond:N0} rows/s");
        return 0;
    }

    private static bool TryParseDate(string? text, bool endOfDay, out DateTime value)
    {
        value = default;
        if (text is null || !DateTime.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return false;
        }
        if (endOfDay && text.Trim().Length == "yyyy-MM-dd".Length)
        {
            value = value.AddDays(1).AddSeconds(-1);
        }
        return true;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
