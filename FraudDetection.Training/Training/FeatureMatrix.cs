namespace FraudDetection.Training.Training;

/// <summary>
/// Rows of features (row-major, <see cref="FeatureCount"/> floats per row) with their labels, event times, cards
/// and transaction ids, in event-time order. What the offline replay of the online pipeline produces.
/// </summary>
public sealed class FeatureMatrix
{
    public FeatureMatrix(int featureCount, float[] values, bool[] labels, DateTime[] times, long[] cards, string[] transNums)
    {
        var rows = labels.Length;
        if (values.Length != rows * featureCount || times.Length != rows || cards.Length != rows || transNums.Length != rows)
        {
            throw new ArgumentException("Feature matrix columns differ in length.");
        }
        FeatureCount = featureCount;
        Values = values;
        Labels = labels;
        Times = times;
        Cards = cards;
        TransNums = transNums;
    }

    public int FeatureCount { get; }
    public float[] Values { get; }
    public bool[] Labels { get; }
    public DateTime[] Times { get; }
    public long[] Cards { get; }
    public string[] TransNums { get; }
    public int Rows => Labels.Length;
    public int Frauds => Labels.Count(l => l);

    public ReadOnlySpan<float> Row(int index) => Values.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The rows [start, start + count).</summary>
    public FeatureMatrix Slice(int start, int count) => new(
        FeatureCount,
        Values.AsSpan(start * FeatureCount, count * FeatureCount).ToArray(),
        Labels.AsSpan(start, count).ToArray(),
        Times.AsSpan(start, count).ToArray(),
        Cards.AsSpan(start, count).ToArray(),
        TransNums.AsSpan(start, count).ToArray());

    /// <summary>The given rows, in the given order.</summary>
    public FeatureMatrix Select(IReadOnlyList<int> indexes)
    {
        var values = new float[indexes.Count * FeatureCount];
        for (var i = 0; i < indexes.Count; i++)
        {
            Row(indexes[i]).CopyTo(values.AsSpan(i * FeatureCount, FeatureCount));
        }
        return new FeatureMatrix(FeatureCount, values,
            [.. indexes.Select(i => Labels[i])], [.. indexes.Select(i => Times[i])],
            [.. indexes.Select(i => Cards[i])], [.. indexes.Select(i => TransNums[i])]);
    }

    /// <summary>The first row at or after <paramref name="time"/> (rows are in time order).</summary>
    public int FirstRowAtOrAfter(DateTime time)
    {
        int lo = 0, hi = Rows;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Times[mid] < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}
