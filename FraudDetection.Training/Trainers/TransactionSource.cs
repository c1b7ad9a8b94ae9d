using FraudDetection.Core.Features;

namespace FraudDetection.Training.Trainers;

/// <summary>Counts of what a read skipped.</summary>
public sealed class ReadReport
{
    public long Rows { get; internal set; }
    public long BadRows { get; internal set; }
    public List<string> FirstErrors { get; } = [];

    internal void Error(string file, string reason)
    {
        BadRows++;
        if (FirstErrors.Count < 10)
        {
            FirstErrors.Add($"{Path.GetFileName(file)}: {reason}");
        }
    }
}

/// <summary>
/// Reads Kaggle-schema CSV files as one stream in event-time order (merging several files), skipping rows the
/// reader or the feature pipeline cannot take (counted in the <see cref="ReadReport"/>).
/// </summary>
public static class TransactionSource
{
    private sealed class UnsortedInputException(string message) : Exception(message);

    /// <summary>
    /// Calls <paramref name="consume"/> with the transactions of <paramref name="paths"/> in time order. Each file is
    /// streamed and merged; if one turns out not to be sorted by time, everything is read again, sorted in memory,
    /// and <paramref name="consume"/> is called once more from the start.
    /// </summary>
    public static T Replay<T>(IReadOnlyList<string> paths, ReadReport report, Func<IEnumerable<Transaction>, T> consume)
    {
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"No data file at {path}.", path);
            }
        }
        try
        {
            return consume(Merge(paths, report, strict: true));
        }
        catch (UnsortedInputException)
        {
            report.Rows = 0;
            report.BadRows = 0;
            report.FirstErrors.Clear();
            var all = Merge(paths, report, strict: false).ToList();
            var sorted = all.Select((tx, i) => (tx, i)).OrderBy(p => p.tx.TransDateTransTime).ThenBy(p => p.i).Select(p => p.tx).ToList();
            return consume(sorted);
        }
    }

    private static IEnumerable<Transaction> Merge(IReadOnlyList<string> paths, ReadReport report, bool strict)
    {
        var readers = paths.Select(path => Valid(path, report).GetEnumerator()).ToArray();
        try
        {
            var queue = new PriorityQueue<int, (DateTime Time, int File)>();
            var last = new DateTime[readers.Length];
            for (var f = 0; f < readers.Length; f++)
            {
                if (readers[f].MoveNext())
                {
                    queue.Enqueue(f, (readers[f].Current.TransDateTransTime, f));
                    last[f] = readers[f].Current.TransDateTransTime;
                }
            }
            while (queue.TryDequeue(out var f, out _))
            {
                var tx = readers[f].Current;
                report.Rows++;
                yield return tx;
                if (readers[f].MoveNext())
                {
                    var next = readers[f].Current;
                    if (strict && next.TransDateTransTime < last[f])
                    {
                        throw new UnsortedInputException($"{paths[f]} is not sorted by time.");
                    }
                    last[f] = next.TransDateTransTime;
                    queue.Enqueue(f, (next.TransDateTransTime, f));
                }
            }
        }
        finally
        {
            foreach (var reader in readers)
            {
                reader.Dispose();
            }
        }
    }

    private static IEnumerable<Transaction> Valid(string path, ReadReport report)
    {
        foreach (var tx in TransactionCsv.ReadFile(path, error => report.Error(path, $"line {error.LineNumber}: {error.Reason}")))
        {
            var problem = OnlineFeatureState.Validate(tx);
            if (problem is not null)
            {
                report.Error(path, $"{tx.TransNum}: {problem}");
                continue;
            }
            yield return tx;
        }
    }
}
