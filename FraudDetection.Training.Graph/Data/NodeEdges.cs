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
        LogAmount = new double[rows + 1];
        LogAmountSquared = new double[rows + 1];
        Night = new double[rows + 1];
        Fraud = new double[rows + 1];
        for (var at = 0; at < rows; at++)
        {
            var row = Rows[at];
            double logAmount = data.LogAmounts[row];
            LogAmount[at + 1] = LogAmount[at] + logAmount;
            LogAmountSquared[at + 1] = LogAmountSquared[at] + logAmount * logAmount;
            Night[at + 1] = Night[at] + (GraphFeatures.IsNight(data.Hour(row)) ? 1 : 0);
            Fraud[at + 1] = Fraud[at] + (data.Labels[row] == 1 ? 1 : 0);
        }
    }

    /// <summary>Row (transaction) of each entry, nodes one after the other.</summary>
    public int[] Rows { get; }
    /// <summary>Event time (seconds) of each entry.</summary>
    public long[] Times { get; }
    /// <summary>Running sums: the sum over entries [0, i) is at index i.</summary>
    public double[] LogAmount { get; }
    public double[] LogAmountSquared { get; }
    public double[] Night { get; }
    public double[] Fraud { get; }

    public int Start(int node) => _offsets[node];
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
