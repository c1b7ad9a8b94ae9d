namespace FraudDetection.Core.Models.Trees;

/// <summary>
/// One regression tree as flat node arrays (ONNX <c>TreeEnsemble</c> layout): a node is a leaf when
/// <see cref="Feature"/> is negative; otherwise <c>row[Feature] &lt;= Threshold</c> goes to <see cref="Left"/>
/// (ML.NET's and LightGBM's rule, ONNX <c>BRANCH_LEQ</c>) and anything else, NaN included, to <see cref="Right"/>.
/// <see cref="Cover"/> is how many training rows reached each node (TreeSHAP needs it).
/// </summary>
public sealed class DecisionTree
{
    public DecisionTree(int[] feature, float[] threshold, int[] left, int[] right, double[] value, double[] cover)
    {
        var n = feature.Length;
        if (n == 0 || threshold.Length != n || left.Length != n || right.Length != n || value.Length != n || cover.Length != n)
        {
            throw new ArgumentException("A tree needs at least one node and node arrays of equal length.");
        }
        for (var i = 0; i < n; i++)
        {
            if (feature[i] >= 0 && ((uint)left[i] >= (uint)n || (uint)right[i] >= (uint)n || left[i] <= i || right[i] <= i))
            {
                throw new ArgumentException($"Node {i} has a child outside the tree or before itself.");
            }
        }
        Feature = feature;
        Threshold = threshold;
        Left = left;
        Right = right;
        Value = value;
        Cover = cover;
        MaxDepth = DepthOf(0);
        _expectedValue = ComputeExpectedValue();
    }

    private readonly double _expectedValue;

    public int[] Feature { get; }
    public float[] Threshold { get; }
    public int[] Left { get; }
    public int[] Right { get; }
    /// <summary>Leaf values (0 on inner nodes).</summary>
    public double[] Value { get; }
    public double[] Cover { get; }
    public int NodeCount => Feature.Length;
    public int MaxDepth { get; }
    public bool HasCover => Cover[0] > 0;

    public bool IsLeaf(int node) => Feature[node] < 0;

    /// <summary>The leaf a row reaches.</summary>
    public int LeafFor(ReadOnlySpan<float> row)
    {
        var node = 0;
        while (Feature[node] >= 0)
        {
            node = row[Feature[node]] <= Threshold[node] ? Left[node] : Right[node];
        }
        return node;
    }

    public double Evaluate(ReadOnlySpan<float> row) => Value[LeafFor(row)];

    /// <summary>The cover-weighted mean of the leaves: what the tree says when it knows nothing of the row.</summary>
    public double ExpectedValue() => _expectedValue;

    private double ComputeExpectedValue()
    {
        if (!HasCover)
        {
            return 0;
        }
        double sum = 0;
        for (var i = 0; i < NodeCount; i++)
        {
            if (IsLeaf(i))
            {
                sum += Cover[i] * Value[i];
            }
        }
        return sum / Cover[0];
    }

    private int DepthOf(int node)
    {
        // Iterative: deep leaf-wise trees must not overflow the stack.
        var max = 0;
        var stack = new Stack<(int Node, int Depth)>();
        stack.Push((node, 0));
        while (stack.Count > 0)
        {
            var (n, d) = stack.Pop();
            if (Feature[n] < 0)
            {
                max = Math.Max(max, d);
                continue;
            }
            stack.Push((Left[n], d + 1));
            stack.Push((Right[n], d + 1));
        }
        return max;
    }
}
