namespace FraudDetection.Core.Models.Trees;

/// <summary>
/// The link from the trees' raw score to a probability: <c>p = sigmoid(Scale * raw + Offset)</c>.
/// A Platt calibrator, a LightGBM sigmoid parameter, and a prior correction after negative down-sampling
/// all fold into these two numbers. The <em>margin</em> is <c>Scale * raw + Offset</c>, i.e. logit(p).
/// </summary>
public readonly record struct LogisticLink(double Scale, double Offset)
{
    public static LogisticLink Identity => new(1, 0);

    public double Margin(double raw) => Scale * raw + Offset;

    public static double Sigmoid(double margin) => 1.0 / (1.0 + Math.Exp(-margin));
}

/// <summary>An additive tree ensemble: raw score = <see cref="Bias"/> + the sum of the trees' leaf values.</summary>
public sealed class TreeEnsemble
{
    public TreeEnsemble(IReadOnlyList<DecisionTree> trees, double bias, LogisticLink link, int featureCount)
    {
        if (featureCount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(featureCount));
        }
        foreach (var tree in trees)
        {
            foreach (var f in tree.Feature)
            {
                if (f >= featureCount)
                {
                    throw new ArgumentException($"A tree splits on feature {f} but the ensemble has {featureCount} features.");
                }
            }
        }
        Trees = trees;
        Bias = bias;
        Link = link;
        FeatureCount = featureCount;
        MaxDepth = trees.Count == 0 ? 0 : trees.Max(t => t.MaxDepth);
        HasCover = trees.All(t => t.HasCover);
    }

    public IReadOnlyList<DecisionTree> Trees { get; }
    public double Bias { get; }
    public LogisticLink Link { get; }
    public int FeatureCount { get; }
    public int MaxDepth { get; }
    public bool HasCover { get; }

    public double RawScore(ReadOnlySpan<float> row)
    {
        var sum = Bias;
        foreach (var tree in Trees)
        {
            sum += tree.Evaluate(row);
        }
        return sum;
    }

    public double Margin(ReadOnlySpan<float> row) => Link.Margin(RawScore(row));

    public double Probability(ReadOnlySpan<float> row) => LogisticLink.Sigmoid(Margin(row));

    /// <summary>The ensemble with every node's cover recounted by routing <paramref name="rows"/> through it.</summary>
    public TreeEnsemble WithCoverFrom(ReadOnlySpan<float> rows, int rowCount)
    {
        var trees = new DecisionTree[Trees.Count];
        for (var t = 0; t < Trees.Count; t++)
        {
            var tree = Trees[t];
            var cover = new double[tree.NodeCount];
            for (var r = 0; r < rowCount; r++)
            {
                var row = rows.Slice(r * FeatureCount, FeatureCount);
                var node = 0;
                cover[0]++;
                while (tree.Feature[node] >= 0)
                {
                    node = row[tree.Feature[node]] <= tree.Threshold[node] ? tree.Left[node] : tree.Right[node];
                    cover[node]++;
                }
            }
            trees[t] = new DecisionTree(tree.Feature, tree.Threshold, tree.Left, tree.Right, tree.Value, cover);
        }
        return new TreeEnsemble(trees, Bias, Link, FeatureCount);
    }
}
