using FraudDetection.Core.Features;

namespace FraudDetection.Training.Trainers;

/// <summary>
/// Rows of features (row-major, <see cref="FeatureCount"/> floats per row) with their labels, event times, cards
/// and transaction ids, in event-time order. What the offline replay of the online pipeline produces.
/// </summary>
public sealed class TrainingSet
{
    public TrainingSet(int featureCount, float[] values, bool[] labels, DateTime[] times, long[] cards, string[] transNums)
    {
        var rows = labels.Length;
        if (values.Length < (long)rows * featureCount || times.Length != rows || cards.Length != rows || transNums.Length != rows)
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

    /// <summary>
    /// The rows of a replayed <see cref="FeatureMatrix"/> (sharing its values); a row without a label counts as not
    /// fraud and is counted in <see cref="Unlabelled"/>.
    /// </summary>
    public static TrainingSet From(FeatureMatrix matrix)
    {
        var labels = new bool[matrix.Rows];
        var unlabelled = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = matrix.Labels[i] == 1;
            if (matrix.Labels[i] < 0)
            {
                unlabelled++;
            }
        }
        return new TrainingSet(matrix.Columns, matrix.Values, labels, matrix.Times.AsSpan(0, matrix.Rows).ToArray(),
            matrix.CardNumbers.AsSpan(0, matrix.Rows).ToArray(), matrix.TransactionIds.AsSpan(0, matrix.Rows).ToArray())
        {
            Unlabelled = unlabelled,
        };
    }

    public int Unlabelled { get; private init; }

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
    public TrainingSet Slice(int start, int count) => new(
        FeatureCount,
        Values.AsSpan(start * FeatureCount, count * FeatureCount).ToArray(),
        Labels.AsSpan(start, count).ToArray(),
        Times.AsSpan(start, count).ToArray(),
        Cards.AsSpan(start, count).ToArray(),
        TransNums.AsSpan(start, count).ToArray());

    /// <summary>The given rows, in the given order.</summary>
    public TrainingSet Select(IReadOnlyList<int> indexes)
    {
        var values = new float[indexes.Count * FeatureCount];
        for (var i = 0; i < indexes.Count; i++)
        {
            Row(indexes[i]).CopyTo(values.AsSpan(i * FeatureCount, FeatureCount));
        }
        return new TrainingSet(FeatureCount, values,
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
