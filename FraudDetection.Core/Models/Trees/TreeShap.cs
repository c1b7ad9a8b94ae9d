using System.Buffers;

namespace FraudDetection.Core.Models.Trees;

/// <summary>
/// Exact path-dependent TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized feature attribution for tree
/// ensembles", Algorithm 2), ported by hand from the reference C++ in the shap package: no .NET package computes it.
/// Contributions are in margin (log-odds) space and sum with the bias to <see cref="TreeEnsemble.Margin"/>.
/// </summary>
public static class TreeShap
{
    private struct PathElement
    {
        public int FeatureIndex;
        public double ZeroFraction;
        public double OneFraction;
        public double PWeight;
    }

    /// <summary>
    /// Adds each feature's contribution for <paramref name="row"/> into <paramref name="contributions"/> (cleared first)
    /// and returns the bias (expected margin); bias + sum(contributions) equals the row's margin.
    /// </summary>
    public static double Explain(TreeEnsemble ensemble, ReadOnlySpan<float> row, Span<double> contributions)
    {
        if (!ensemble.HasCover)
        {
            throw new InvalidOperationException("The ensemble carries no node covers; TreeSHAP needs them.");
        }
        if (row.Length != ensemble.FeatureCount || contributions.Length != ensemble.FeatureCount)
        {
            throw new ArgumentException($"Expected {ensemble.FeatureCount} features.");
        }
        contributions.Clear();
        var depth = ensemble.MaxDepth + 2;
        var pathSize = depth * (depth + 1) / 2;
        var path = ArrayPool<PathElement>.Shared.Rent(pathSize);
        try
        {
            var expectedRaw = ensemble.Bias;
            foreach (var tree in ensemble.Trees)
            {
                expectedRaw += tree.ExpectedValue();
                Recurse(tree, row, contributions, path, 0, 0, 1, 1, -1);
            }
            var scale = ensemble.Link.Scale;
            if (scale != 1)
            {
                for (var i = 0; i < contributions.Length; i++)
                {
                    contributions[i] *= scale;
                }
            }
            return ensemble.Link.Margin(expectedRaw);
        }
        finally
        {
            ArrayPool<PathElement>.Shared.Return(path);
        }
    }

    private static void Recurse(
        DecisionTree tree, ReadOnlySpan<float> x, Span<double> phi, PathElement[] pathData, int pathStart,
        int uniqueDepth, double parentZeroFraction, double parentOneFraction, int parentFeatureIndex, int node = 0)
    {
        // This level's copy of the path sits right after the parent's (the parent's has uniqueDepth elements).
        var path = pathData.AsSpan(pathStart + uniqueDepth);
        if (uniqueDepth > 0)
        {
            pathData.AsSpan(pathStart, uniqueDepth).CopyTo(path);
        }
        ExtendPath(path, uniqueDepth, parentZeroFraction, parentOneFraction, parentFeatureIndex);
        var nextStart = pathStart + uniqueDepth;

        if (tree.IsLeaf(node))
        {
            var value = tree.Value[node];
            for (var i = 1; i <= uniqueDepth; i++)
            {
                var w = UnwoundPathSum(path, uniqueDepth, i);
                var el = path[i];
                phi[el.FeatureIndex] += w * (el.OneFraction - el.ZeroFraction) * value;
            }
            return;
        }

        var split = tree.Feature[node];
        int hot, cold;
        if (x[split] <= tree.Threshold[node])
        {
            hot = tree.Left[node];
            cold = tree.Right[node];
        }
        else
        {
            hot = tree.Right[node];
            cold = tree.Left[node];
        }
        var w0 = tree.Cover[node];
        var hotZeroFraction = w0 > 0 ? tree.Cover[hot] / w0 : 0.5;
        var coldZeroFraction = w0 > 0 ? tree.Cover[cold] / w0 : 0.5;
        double incomingZeroFraction = 1, incomingOneFraction = 1;

        // A feature already on the path: undo its earlier split so it counts once.
        var pathIndex = 0;
        for (; pathIndex <= uniqueDepth; pathIndex++)
        {
            if (path[pathIndex].FeatureIndex == split)
            {
                break;
            }
        }
        if (pathIndex != uniqueDepth + 1)
        {
            incomingZeroFraction = path[pathIndex].ZeroFraction;
            incomingOneFraction = path[pathIndex].OneFraction;
            UnwindPath(path, uniqueDepth, pathIndex);
            uniqueDepth -= 1;
        }

        // Children copy uniqueDepth + 1 elements starting at nextStart.
        Recurse(tree, x, phi, pathData, nextStart, uniqueDepth + 1, hotZeroFraction * incomingZeroFraction, incomingOneFraction, split, hot);
        Recurse(tree, x, phi, pathData, nextStart, uniqueDepth + 1, coldZeroFraction * incomingZeroFraction, 0, split, cold);
    }

    private static void ExtendPath(Span<PathElement> path, int uniqueDepth, double zeroFraction, double oneFraction, int featureIndex)
    {
        path[uniqueDepth] = new PathElement
        {
            FeatureIndex = featureIndex,
            ZeroFraction = zeroFraction,
            OneFraction = oneFraction,
            PWeight = uniqueDepth == 0 ? 1 : 0,
        };
        var one = oneFraction / (uniqueDepth + 1);
        var zero = zeroFraction / (uniqueDepth + 1);
        for (var i = uniqueDepth - 1; i >= 0; i--)
        {
            path[i + 1].PWeight += one * path[i].PWeight * (i + 1);
            path[i].PWeight = zero * path[i].PWeight * (uniqueDepth - i);
        }
    }

    private static void UnwindPath(Span<PathElement> path, int uniqueDepth, int pathIndex)
    {
        var oneFraction = path[pathIndex].OneFraction;
        var zeroFraction = path[pathIndex].ZeroFraction;
        var nextOnePortion = path[uniqueDepth].PWeight;
        for (var i = uniqueDepth - 1; i >= 0; i--)
        {
            if (oneFraction != 0)
            {
                var tmp = path[i].PWeight;
                path[i].PWeight = nextOnePortion * (uniqueDepth + 1) / ((i + 1) * oneFraction);
                nextOnePortion = tmp - path[i].PWeight * zeroFraction * (uniqueDepth - i) / (uniqueDepth + 1);
            }
            else
            {
                path[i].PWeight = path[i].PWeight * (uniqueDepth + 1) / (zeroFraction * (uniqueDepth - i));
            }
        }
        for (var i = pathIndex; i < uniqueDepth; i++)
        {
            path[i].FeatureIndex = path[i + 1].FeatureIndex;
            path[i].ZeroFraction = path[i + 1].ZeroFraction;
            path[i].OneFraction = path[i + 1].OneFraction;
        }
    }

    private static readonly double[] Reciprocals = [.. Enumerable.Range(0, 256).Select(k => k == 0 ? 0 : 1.0 / k)];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double Reciprocal(int k) => k < Reciprocals.Length ? Reciprocals[k] : 1.0 / k;

    private static double UnwoundPathSum(Span<PathElement> path, int uniqueDepth, int pathIndex)
    {
        // The hot loop of the algorithm: divisions by loop invariants are hoisted into reciprocals.
        var oneFraction = path[pathIndex].OneFraction;
        var zeroFraction = path[pathIndex].ZeroFraction;
        var nextOnePortion = path[uniqueDepth].PWeight;
        double total = 0;
        double depthPlusOne = uniqueDepth + 1;
        var invDepthPlusOne = 1.0 / depthPlusOne;
        if (oneFraction != 0)
        {
            var scale = depthPlusOne / oneFraction;
            var zeroScale = zeroFraction * invDepthPlusOne;
            for (var i = uniqueDepth - 1; i >= 0; i--)
            {
                var tmp = nextOnePortion * scale * Reciprocal(i + 1);
                total += tmp;
                nextOnePortion = path[i].PWeight - tmp * zeroScale * (uniqueDepth - i);
            }
        }
        else if (zeroFraction != 0)
        {
            var scale = depthPlusOne / zeroFraction;
            for (var i = uniqueDepth - 1; i >= 0; i--)
            {
                total += path[i].PWeight * scale * Reciprocal(uniqueDepth - i);
            }
        }
        return total;
    }
}
