namespace FraudDetection.Training.Graph.Data;

/// <summary>
/// The edges of one node type (cards or merchants), grouped by node in event-time order (CSR), with running sums
/// over that order so that any time window of a node is a subtraction after two binary searches.
/// </summary>
internal sealed class NodeEdges
{
    private readonly int[] _offsets;

    public NodeEdges(GraphDataset data, int[] nodeOfRow, int nodeCount)
    {
        var rows = data.Rows;
        _offsets = new int[nodeCount + 1];
        foreach (var node in nodeOfRow)
        {
            _offsets[node + 1]++;
        }
        for (var v = 0; v < nodeCount; v++)
        {
            _offsets[v + 1] += _offsets[v];
        }
        Rows = new int[rows];
        Times = new long[rows];
        var fill = _offsets[..^1].ToArray();
        // Rows are in time order, so each node's segment comes out in time order too.
        for (var i = 0; i < rows; i++)
        {
            var at = fill[nodeOfRow[i]]++;
            Rows[at] = i;
            Times[at] = data.Seconds[i];
        }
        LogAmount = new double[rows];
        LogAmountSquared = new double[rows];
        Night = new double[rows];
        Fraud = new double[rows];
        for (var v = 0; v < nodeCount; v++)
        {
            double logAmount = 0, squared = 0, night = 0, fraud = 0;
            for (var at = _offsets[v]; at < _offsets[v + 1]; at++)
            {
                var row = Rows[at];
                double x = data.LogAmounts[row];
                LogAmount[at] = logAmount += x;
                LogAmountSquared[at] = squared += x * x;
                Night[at] = night += GraphFeatures.IsNight(data.Hour(row)) ? 1 : 0;
                Fraud[at] = fraud += data.Labels[row] == 1 ? 1 : 0;
            }
        }
    }

    /// <summary>Row (transaction) of each entry, nodes one after the other.</summary>
    public int[] Rows { get; }
    /// <summary>Event time (seconds) of each entry.</summary>
    public long[] Times { get; }
    /// <summary>
    /// Running sums restarting at each node: entry i holds the sum over the node's entries up to and including i, so a
    /// node's sums depend on its own earlier edges only (never on other nodes' or later edges, not even by rounding).
    /// </summary>
    public double[] LogAmount { get; }
    public double[] LogAmountSquared { get; }
    public double[] Night { get; }
    public double[] Fraud { get; }

    public int Start(int node) => _offsets[node];

    /// <summary>The sum of <paramref name="sums"/>' values over the node's entries [from, to).</summary>
    public double Sum(double[] sums, int node, int from, int to)
    {
        var start = _offsets[node];
        return to <= from ? 0 : sums[to - 1] - (from > start ? sums[from - 1] : 0);
    }
    public int End(int node) => _offsets[node + 1];

    /// <summary>The first entry of <paramref name="node"/> at or after <paramref name="seconds"/> (its end when none).</summary>
    public int FirstAtOrAfter(int node, long seconds)
    {
        int lo = _offsets[node], hi = _offsets[node + 1];
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Times[mid] < seconds)
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
