using System.Buffers;
using System.Runtime.Intrinsics;

namespace FraudDetection.Core.Models.Trees;

/// <summary>
/// Exact path-dependent TreeSHAP (Lundberg, Erion, Lee 2018, "Consistent individualized feature attribution for tree
/// ensembles", Algorithm 2), ported by hand from the reference C++ in the shap package: no .NET package computes it.
/// Contributions are in margin (log-odds) space and sum with the bias to <see cref="TreeEnsemble.Margin"/>.
/// </summary>
[System.Runtime.CompilerServices.SkipLocalsInit]
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
            AddLeaf(path, uniqueDepth, tree.Value[node], phi);
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

    /// <summary>
    /// A leaf's share of every path feature's contribution: the feature's unwound path sum (the reference C++'s
    /// UnwoundPathSum) times (one − zero) · value, in two groups. A feature the row does not follow (one fraction 0)
    /// unwinds to one sum shared by all such features, scaled by 1 / its zero fraction, so its contribution does not
    /// depend on it: one O(depth) sum serves them all. The others run the reference recurrence four at a time.
    /// </summary>
    private static void AddLeaf(Span<PathElement> path, int uniqueDepth, double value, Span<double> phi)
    {
        if (uniqueDepth == 0)
        {
            return;
        }
        Span<int> indices = uniqueDepth <= 64 ? stackalloc int[2 * uniqueDepth] : new int[2 * uniqueDepth];
        var followed = indices[..uniqueDepth];
        var cold = indices[uniqueDepth..];
        int followedCount = 0, coldCount = 0;
        for (var i = 1; i <= uniqueDepth; i++)
        {
            // Sorted without branches: which way a path feature went is as good as random.
            ref var el = ref path[i];
            var isFollowed = el.OneFraction != 0;
            followed[followedCount] = i;
            cold[coldCount] = i;
            followedCount += isFollowed ? 1 : 0;
            coldCount += !isFollowed && el.ZeroFraction != 0 ? 1 : 0; // a zero fraction of 0 unwinds to nothing
        }
        if (coldCount > 0)
        {
            // (depth + 1) / zero · Σ_j weight_j / (depth − j), times (0 − zero) · value: the zero fraction cancels.
            double sum = 0;
            for (var j = uniqueDepth - 1; j >= 0; j--)
            {
                sum += path[j].PWeight * Reciprocal(uniqueDepth - j);
            }
            var coldContribution = -(uniqueDepth + 1) * sum * value;
            foreach (var i in cold[..coldCount])
            {
                phi[path[i].FeatureIndex] += coldContribution;
            }
        }
        if (followedCount == 0)
        {
            return;
        }
        double depthPlusOne = uniqueDepth + 1;
        Span<double> lanes = stackalloc double[12]; // scale, ratio and total of four lanes
        var scales = lanes[..4];
        var ratios = lanes[4..8];
        var totals = lanes[8..];
        for (var g = 0; g < followedCount; g += 4)
        {
            var count = Math.Min(4, followedCount - g);
            for (var lane = 0; lane < 4; lane++)
            {
                // A lane past the group's end repeats its first feature; its result is dropped. A followed feature's
                // one fraction is 1 unless it went cold higher up: no division then.
                ref var el = ref path[followed[g + (lane < count ? lane : 0)]];
                var one = el.OneFraction;
                scales[lane] = one == 1 ? depthPlusOne : depthPlusOne / one;
                ratios[lane] = one == 1 ? el.ZeroFraction : el.ZeroFraction / one;
            }
            UnwindFourLanes(path, uniqueDepth, scales, ratios, totals);
            for (var lane = 0; lane < count; lane++)
            {
                ref var el = ref path[followed[g + lane]];
                phi[el.FeatureIndex] += totals[lane] * (el.OneFraction - el.ZeroFraction) * value;
            }
        }
    }

    /// <summary>
    /// The unwound path sum of four followed features at once. Per lane, with scale = (depth + 1) / one and
    /// ratio = zero / one, the reference recurrence
    ///   tmp = next · scale / (j + 1);  total += tmp;  next = weight_j − tmp · zero / (depth + 1) · (depth − j)
    /// becomes total += next · scale / (j + 1) and next = weight_j − next · ratio · (depth − j) / (j + 1): the factors
    /// that depend only on j leave the chain, so a step waits on one multiply and one subtract. Vector128 is
    /// accelerated on x64 and Arm64 alike; two independent pairs keep both ports busy.
    /// </summary>
    private static void UnwindFourLanes(Span<PathElement> path, int uniqueDepth, Span<double> scales, Span<double> ratios, Span<double> totals)
    {
        var scaleA = Vector128.Create<double>(scales);
        var scaleB = Vector128.Create<double>(scales[2..]);
        var ratioA = Vector128.Create<double>(ratios);
        var ratioB = Vector128.Create<double>(ratios[2..]);
        var nextA = Vector128.Create(path[uniqueDepth].PWeight);
        var nextB = nextA;
        Vector128<double> totalA = Vector128<double>.Zero, totalB = Vector128<double>.Zero;
        for (var j = uniqueDepth - 1; j >= 0; j--)
        {
            var r = Reciprocal(j + 1);
            var weight = Vector128.Create(path[j].PWeight);
            var step = Vector128.Create((uniqueDepth - j) * r);
            var rv = Vector128.Create(r);
            totalA += nextA * (scaleA * rv);
            totalB += nextB * (scaleB * rv);
            nextA = weight - nextA * (ratioA * step);
            nextB = weight - nextB * (ratioB * step);
        }
        totalA.CopyTo(totals);
        totalB.CopyTo(totals[2..]);
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
}
