using FraudDetection.Core.Transactions;

namespace FraudDetection.Tests.TestSupport;

/// <summary>The repository's own data (data/README.md): the earlier weeks (training, history) and the later weeks (replay).</summary>
internal static class BundledData
{
    public static string SamplePath { get; } = Path.Combine(RepoPaths.Root, "data", "sample.csv.gz");

    public static string ReplayPath { get; } = Path.Combine(RepoPaths.Root, "data", "replay.csv.gz");

    private static readonly Lazy<List<Transaction>> Sample = new(() => [.. TransactionCsv.ReadFile(SamplePath)]);

    private static readonly Lazy<List<Transaction>> Replay = new(() => [.. TransactionCsv.ReadFile(ReplayPath)]);

    /// <summary>The sample's rows of its last <paramref name="span"/> (history right before the replay).</summary>
    public static List<Transaction> SampleTail(TimeSpan span)
    {
        var rows = Sample.Value;
        var from = rows[^1].TransDateTransTime - span;
        return [.. rows.Where(t => t.TransDateTransTime > from)];
    }

    /// <summary>The replay's first <paramref name="count"/> rows.</summary>
    public static List<Transaction> ReplayHead(int count) => [.. Replay.Value.Take(count)];

    /// <summary>Writes <paramref name="rows"/> as a Kaggle-layout CSV under <paramref name="folder"/>; returns its path.</summary>
    public static string Write(string folder, string name, IEnumerable<Transaction> rows)
    {
        var path = Path.Combine(folder, name);
        TransactionCsv.WriteFile(path, rows);
        return path;
    }
}
