using System.Numerics;

namespace FraudDetection.Training.Graph.Data;

/// <summary>The time rules of the graph: how often embeddings are refreshed, how far back a node looks, when a label is known.</summary>
public sealed record GraphTimeRules
{
    /// <summary>A transaction at time t sees the graph as it was at the start of its interval: edges strictly before that.</summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Neighbours are sampled among a node's edges in [s − lookback, s); windowed node features use it too.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromDays(28);

    /// <summary>An edge's fraud label is usable from its time + this delay (as the card features' label delay).</summary>
    public TimeSpan LabelDelay { get; init; } = TimeSpan.FromDays(7);

    public void Validate()
    {
        if (SnapshotInterval < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(SnapshotInterval), SnapshotInterval, "The snapshot interval must be at least one second.");
        if (Lookback < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(Lookback), Lookback, "The lookback must be at least one second.");
        if (LabelDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LabelDelay), LabelDelay, "The label delay must not be negative.");
    }
}

/// <summary>
/// The bipartite card–merchant multigraph of a <see cref="GraphDataset"/> (one edge per transaction), indexed by node
/// and time so that a node's features and a sample of its neighbours at a snapshot s read only edges before s.
/// </summary>
public sealed class TemporalGraph
{
    private static readonly double[] HourSin = [.. Enumerable.Range(0, 24).Select(h => Math.Sin(2 * Math.PI * h / 24))];
    private static readonly double[] HourCos = [.. Enumerable.Range(0, 24).Select(h => Math.Cos(2 * Math.PI * h / 24))];
    private readonly NodeEdges _cards;
    private readonly NodeEdges _merchants;
    private readonly long _interval;
    private readonly long _lookback;
    private readonly long _delay;

    public TemporalGraph(GraphDataset data, GraphTimeRules rules)
    {
        rules.Validate();
        Data = data;
        Rules = rules;
        _interval = (long)rules.SnapshotInterval.TotalSeconds;
        _lookback = (long)rules.Lookback.TotalSeconds;
        _delay = (long)rules.LabelDelay.TotalSeconds;
        _cards = new NodeEdges(data, data.Cards, data.CardCount);
        _merchants = new NodeEdges(data, data.Merchants, data.MerchantCount);
    }

    public GraphDataset Data { get; }
    public GraphTimeRules Rules { get; }

    /// <summary>The snapshot (seconds) a row is predicted from: the start of its refresh interval; only edges before it count.</summary>
    public long SnapshotOf(int row) => Floor(Data.Seconds[row]);

    public long Floor(long seconds) => seconds - (((seconds % _interval) + _interval) % _interval);

    public int NodeOf(NodeType type, int row) => type == NodeType.Card ? Data.Cards[row] : Data.Merchants[row];

    /// <summary>The node at the other end of edge <paramref name="row"/> from a node of <paramref name="type"/>.</summary>
    public int OtherEnd(NodeType type, int row) => type == NodeType.Card ? Data.Merchants[row] : Data.Cards[row];

    private NodeEdges Of(NodeType type) => type == NodeType.Card ? _cards : _merchants;

    /// <summary>Writes the node's <see cref="GraphFeatures.NodeNames"/> at snapshot <paramref name="snapshot"/> (unscaled).</summary>
    public void NodeFeatures<T>(NodeType type, int node, long snapshot, Span<T> output) where T : IFloatingPointIeee754<T>
    {
        var e = Of(type);
        var start = e.Start(node);
        var before = e.FirstAtOrAfter(node, snapshot);
        var day = e.FirstAtOrAfter(node, snapshot - 86_400);
        var week = e.FirstAtOrAfter(node, snapshot - 7 * 86_400);
        var window = e.FirstAtOrAfter(node, snapshot - _lookback);
        // Labels known at s: edge time + delay ≤ s, i.e. time < s − delay + 1.
        var known = e.FirstAtOrAfter(node, snapshot - _delay + 1);
        var knownWindow = e.FirstAtOrAfter(node, snapshot - _delay - _lookback + 1);
        var knownDay = e.FirstAtOrAfter(node, snapshot - _delay - 86_400 + 1);
        var knownWeek = e.FirstAtOrAfter(node, snapshot - _delay - 7 * 86_400 + 1);

        double all = before - start;
        double inWindow = before - window;
        var mean = inWindow > 0 ? e.Sum(e.LogAmount, node, window, before) / inWindow : 0;
        var variance = inWindow > 0 ? e.Sum(e.LogAmountSquared, node, window, before) / inWindow - mean * mean : 0;
        var sinceLast = all > 0 ? Math.Min(365, (snapshot - e.Times[before - 1]) / GraphFeatures.SecondsPerDay) : 365;
        double knownCount = known - knownWindow;
        var knownFrauds = e.Sum(e.Fraud, node, knownWindow, known);

        output[0] = all > 0 ? T.One : T.Zero;
        output[1] = T.CreateTruncating(Math.Log(1 + all));
        output[2] = T.CreateTruncating(Math.Log(1 + before - day));
        output[3] = T.CreateTruncating(Math.Log(1 + before - week));
        output[4] = T.CreateTruncating(Math.Log(1 + inWindow));
        output[5] = T.CreateTruncating(mean);
        output[6] = T.CreateTruncating(Math.Sqrt(Math.Max(0, variance)));
        output[7] = T.CreateTruncating(inWindow > 0 ? e.Sum(e.Night, node, window, before) / inWindow : 0);
        output[8] = T.CreateTruncating(Math.Log(1 + sinceLast));
        output[9] = T.CreateTruncating(Math.Log(1 + e.Sum(e.Fraud, node, start, known)));
        output[10] = T.CreateTruncating(knownCount > 0 ? knownFrauds / knownCount : 0);
        output[11] = T.CreateTruncating(Math.Log(1 + knownFrauds));
        (output[12], output[13]) = KnownRate<T>(e, node, knownDay, known);
        (output[14], output[15]) = KnownRate<T>(e, node, knownWeek, known);
    }

    /// <summary>Share of frauds among the known labels of entries [from, to), and ln(1 + their number).</summary>
    private static (T Rate, T LogFrauds) KnownRate<T>(NodeEdges e, int node, int from, int to) where T : IFloatingPointIeee754<T>
    {
        var frauds = e.Sum(e.Fraud, node, from, to);
        return (T.CreateTruncating(to > from ? frauds / (to - from) : 0), T.CreateTruncating(Math.Log(1 + frauds)));
    }

    /// <summary>Writes <see cref="GraphFeatures.EdgeNames"/> of edge <paramref name="row"/> as seen at <paramref name="snapshot"/> (unscaled).</summary>
    public void EdgeFeatures<T>(int row, long snapshot, Span<T> output) where T : IFloatingPointIeee754<T>
    {
        var data = Data;
        var hour = data.Hour(row);
        var known = data.Seconds[row] + _delay <= snapshot;
        output[0] = T.CreateTruncating(data.LogAmounts[row]);
        output[1] = T.CreateTruncating(HourSin[hour]);
        output[2] = T.CreateTruncating(HourCos[hour]);
        output[3] = GraphFeatures.IsNight(hour) ? T.One : T.Zero;
        output[4] = T.CreateTruncating(Math.Log(1 + Math.Max(0, snapshot - data.Seconds[row]) / GraphFeatures.SecondsPerDay));
        output[5] = known ? T.One : T.Zero;
        output[6] = known && data.Labels[row] == 1 ? T.One : T.Zero;
        output.Slice(7, 14).Clear();
        if (data.Categories[row] is >= 0 and < 14)
        {
            output[7 + data.Categories[row]] = T.One;
        }
    }

    /// <summary>
    /// Samples up to <paramref name="count"/> distinct edges of the node among those in [s − lookback, s), without
    /// replacement, deterministically from <paramref name="key"/>; writes their rows in ascending order and returns how many.
    /// </summary>
    public int SampleEdges(NodeType type, int node, long snapshot, int count, ulong key, Span<int> rows)
    {
        var e = Of(type);
        var lo = e.FirstAtOrAfter(node, snapshot - _lookback);
        var hi = e.FirstAtOrAfter(node, snapshot);
        var available = hi - lo;
        if (available <= count)
        {
            for (var i = 0; i < available; i++)
            {
                rows[i] = e.Rows[lo + i];
            }
            return available;
        }
        // Floyd's algorithm: count distinct positions of [0, available).
        var random = new SplitMix64(key);
        var picked = rows[..count];
        var n = 0;
        for (var j = available - count; j < available; j++)
        {
            var t = (int)random.NextBelow((ulong)j + 1);
            var value = picked[..n].Contains(t) ? j : t;
            picked[n++] = value;
        }
        picked.Sort();
        for (var i = 0; i < count; i++)
        {
            picked[i] = e.Rows[lo + picked[i]];
        }
        return count;
    }
}

/// <summary>A small, fast, seedable generator (SplitMix64) whose stream depends only on its key: sampling is a pure function of (seed, node, snapshot, …).</summary>
public struct SplitMix64(ulong state)
{
    private ulong _state = state;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextBelow(ulong bound) => (ulong)(((UInt128)Next() * bound) >> 64);

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Mixes values into one key.</summary>
    public static ulong Key(params ReadOnlySpan<long> values)
    {
        var state = new SplitMix64(0x2545F4914F6CDD1DUL);
        var key = 0UL;
        foreach (var value in values)
        {
            state._state ^= (ulong)value;
            key = state.Next();
        }
        return key;
    }
}
