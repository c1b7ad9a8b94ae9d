using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Drift;

/// <summary>
/// The live distributions of one model version's reference columns over the last <c>capacity</c> scored rows: each
/// row's bin per column is kept in a ring, so the row leaving the window takes its counts with it. Allocates nothing
/// per row; binning is a binary search over at most ten edges per column. Not thread-safe (the monitor locks).
/// </summary>
internal sealed class DriftWindow
{
    private readonly DriftColumn[] columns;
    private readonly int[] featureIndex; // column of the live row; -1 for the score
    private readonly int[][] counts;     // per column: its bins, then the missing bin
    private readonly byte[] ring;        // capacity × columns bin numbers
    private readonly bool[] alerts;
    private readonly int capacity;
    private int next;
    private int alertCount;

    public DriftWindow(string modelVersion, DriftReference reference, IReadOnlyList<string> rowNames, int capacity)
    {
        ModelVersion = modelVersion;
        Reference = reference;
        this.capacity = capacity;
        // Columns this service does not compute (another feature layout) are left out rather than misread.
        var kept = reference.Columns
            .Select(column => (Column: column, Index: column.Name == DriftReference.ScoreColumn ? -1 : IndexOf(rowNames, column.Name)))
            .Where(pair => pair.Index >= 0 || pair.Column.Name == DriftReference.ScoreColumn)
            .Where(pair => pair.Column.Edges.Length < byte.MaxValue - 1 && pair.Column.Shares.Length == pair.Column.Edges.Length + 1)
            .ToArray();
        columns = [.. kept.Select(pair => pair.Column)];
        featureIndex = [.. kept.Select(pair => pair.Index)];
        counts = [.. columns.Select(column => new int[column.Shares.Length + 1])];
        ring = new byte[capacity * columns.Length];
        alerts = new bool[capacity];
    }

    public string ModelVersion { get; }

    public DriftReference Reference { get; }

    /// <summary>Rows in the window (up to its capacity).</summary>
    public int Rows { get; private set; }

    public IReadOnlyList<DriftColumn> Columns => columns;

    public double AlertRate => Rows == 0 ? 0 : (double)alertCount / Rows;

    public void Add(ReadOnlySpan<float> row, float score, bool isAlert)
    {
        var slot = next * columns.Length;
        var full = Rows == capacity;
        if (full && alerts[next])
        {
            alertCount--;
        }
        alerts[next] = isAlert;
        if (isAlert)
        {
            alertCount++;
        }
        for (var c = 0; c < columns.Length; c++)
        {
            var value = featureIndex[c] < 0 ? score : row[featureIndex[c]];
            var edges = columns[c].Edges;
            var bin = float.IsNaN(value) ? edges.Length + 1 : DriftBins.BinOf(edges, value);
            var binCounts = counts[c];
            if (full)
            {
                binCounts[ring[slot + c]]--;
            }
            binCounts[bin]++;
            ring[slot + c] = (byte)bin;
        }
        if (!full)
        {
            Rows++;
        }
        next = next + 1 == capacity ? 0 : next + 1;
    }

    /// <summary>The PSI of column <paramref name="c"/>: live shares against the reference's, the missing bin included.</summary>
    public double Psi(int c)
    {
        var column = columns[c];
        var binCounts = counts[c];
        Span<double> expected = stackalloc double[binCounts.Length];
        Span<double> actual = stackalloc double[binCounts.Length];
        column.Shares.CopyTo(expected);
        expected[^1] = column.MissingShare;
        var rows = Math.Max(1, Rows);
        for (var b = 0; b < binCounts.Length; b++)
        {
            actual[b] = (double)binCounts[b] / rows;
        }
        return DriftBins.Psi(expected, actual);
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }
}
