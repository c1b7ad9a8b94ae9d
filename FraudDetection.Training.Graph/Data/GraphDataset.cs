using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Training.Graph.Data;

/// <summary>
/// Transactions in event-time order, each one a row (its feature row from the shared online pipeline, its label)
/// and an edge of the bipartite card–merchant graph (dense card and merchant ids, time, amount, hour, category).
/// </summary>
public sealed class GraphDataset
{
    public GraphDataset(
        IReadOnlyList<string> featureNames, float[] featureValues, DateTime[] times, int[] cards, int[] merchants,
        float[] amounts, sbyte[] categories, sbyte[] labels, long[]? cardNumbers = null, string[]? merchantNames = null)
    {
        var rows = times.Length;
        if (cards.Length != rows || merchants.Length != rows || amounts.Length != rows || categories.Length != rows || labels.Length != rows
            || featureValues.Length < (long)rows * featureNames.Count || (cardNumbers is not null && cardNumbers.Length != rows))
        {
            throw new ArgumentException("Graph dataset columns differ in length.");
        }
        for (var i = 1; i < rows; i++)
        {
            if (times[i] < times[i - 1])
            {
                throw new ArgumentException($"Rows must be in event-time order; row {i} ({times[i]:O}) is before row {i - 1}.");
            }
        }
        FeatureNames = featureNames;
        FeatureValues = featureValues;
        Times = times;
        Seconds = [.. times.Select(t => t.Ticks / TimeSpan.TicksPerSecond)];
        Hours = [.. times.Select(t => (byte)t.Hour)];
        LogAmounts = [.. amounts.Select(a => (float)Math.Log(1 + Math.Max(0, a)))];
        Cards = cards;
        Merchants = merchants;
        Amounts = amounts;
        Categories = categories;
        Labels = labels;
        CardNumbers = cardNumbers ?? [.. cards.Select(c => (long)c)];
        CardCount = rows == 0 ? 0 : cards.Max() + 1;
        MerchantCount = rows == 0 ? 0 : merchants.Max() + 1;
        MerchantNames = merchantNames ?? [.. Enumerable.Range(0, MerchantCount).Select(m => $"m{m}")];
    }

    public IReadOnlyList<string> FeatureNames { get; }
    public int FeatureCount => FeatureNames.Count;
    /// <summary>Row-major, <see cref="Rows"/> × <see cref="FeatureCount"/> (may be longer).</summary>
    public float[] FeatureValues { get; }
    public DateTime[] Times { get; }
    /// <summary>Event time in whole seconds (ticks / 10^7).</summary>
    public long[] Seconds { get; }
    public int[] Cards { get; }
    public int[] Merchants { get; }
    public float[] Amounts { get; }
    /// <summary>Merchant category code 0..13 (<see cref="FeatureCategories"/>), -1 unknown.</summary>
    public sbyte[] Categories { get; }
    /// <summary>1 fraud, 0 not, -1 no label.</summary>
    public sbyte[] Labels { get; }
    public long[] CardNumbers { get; }
    public IReadOnlyList<string> MerchantNames { get; }
    public int CardCount { get; }
    public int MerchantCount { get; }
    public int Rows => Times.Length;

    public ReadOnlySpan<float> FeatureRow(int row) => FeatureValues.AsSpan(row * FeatureCount, FeatureCount);

    /// <summary>Local hour of each row (0..23).</summary>
    public byte[] Hours { get; }
    /// <summary>ln(1 + amount), amounts below 0 counted as 0.</summary>
    public float[] LogAmounts { get; }

    public int Hour(int row) => Hours[row];

    /// <summary>The first row at or after <paramref name="time"/>.</summary>
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

    /// <summary>
    /// Replays <paramref name="ordered"/> through the shared feature pipeline (<see cref="FeatureMatrix.Build(IEnumerable{Transaction}, OnlineFeatureState?, Func{Transaction, bool}?, Action{long}?, int)"/>,
    /// one row per transaction) and records each transaction's edge: card and merchant (dense ids in order of first
    /// appearance), amount, category and label.
    /// </summary>
    public static GraphDataset Build(IEnumerable<Transaction> ordered, OnlineFeatureState? state = null, Action<long>? progress = null)
    {
        var cardIds = new Dictionary<long, int>();
        var merchantIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var merchantNames = new List<string>();
        var cards = new List<int>();
        var merchants = new List<int>();
        var amounts = new List<float>();
        var categories = new List<sbyte>();

        IEnumerable<Transaction> Record(IEnumerable<Transaction> source)
        {
            foreach (var tx in source)
            {
                if (!cardIds.TryGetValue(tx.CcNum, out var card))
                {
                    cardIds[tx.CcNum] = card = cardIds.Count;
                }
                if (!merchantIds.TryGetValue(tx.Merchant, out var merchant))
                {
                    merchantIds[tx.Merchant] = merchant = merchantIds.Count;
                    merchantNames.Add(tx.Merchant);
                }
                cards.Add(card);
                merchants.Add(merchant);
                amounts.Add((float)tx.Amt);
                var code = FeatureCategories.CodeOf(tx.Category);
                categories.Add((sbyte)(code == FeatureCategories.Unknown ? -1 : code));
                yield return tx;
            }
        }

        var matrix = FeatureMatrix.Build(Record(ordered), state, progress: progress);
        var labels = new sbyte[matrix.Rows];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = (sbyte)Math.Clamp(matrix.Labels[i], -1, 1);
        }
        return new GraphDataset(matrix.Schema.Names, matrix.Values, matrix.Times.AsSpan(0, matrix.Rows).ToArray(),
            [.. cards], [.. merchants], [.. amounts], [.. categories], labels,
            matrix.CardNumbers.AsSpan(0, matrix.Rows).ToArray(), [.. merchantNames]);
    }
}
