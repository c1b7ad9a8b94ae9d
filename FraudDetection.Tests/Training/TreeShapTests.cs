using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Export;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

public sealed class TreeShapTests
{
    /// <summary>A depth-3 tree that splits on feature 0 twice (the case TreeSHAP's unwinding exists for).</summary>
    internal static DecisionTree TinyTree() => new(
        //          0: f0<=5    1: f1<=2    2: f0<=8    3: f2<=1   leaves 4..8
        feature: [0, 1, 0, 2, -1, -1, -1, -1, -1],
        threshold: [5, 2, 8, 1, 0, 0, 0, 0, 0],
        left: [1, 3, 6, 4, 0, 0, 0, 0, 0],
        right: [2, 7, 8, 5, 0, 0, 0, 0, 0],
        value: [0, 0, 0, 0, 1.5, -0.5, 2.0, 0.25, -1.0],
        cover: [100, 60, 40, 35, 20, 15, 30, 25, 10]);

    /// <summary>E[f(x) | x_S] the path-dependent way: follow x on features in S, else weight children by cover.</summary>
    private static double ConditionalExpectation(DecisionTree tree, int node, float[] x, int subset)
    {
        if (tree.IsLeaf(node))
        {
            return tree.Value[node];
        }
        var f = tree.Feature[node];
        var left = tree.Left[node];
        var right = tree.Right[node];
        if ((subset & (1 << f)) != 0)
        {
            return ConditionalExpectation(tree, x[f] <= tree.Threshold[node] ? left : right, x, subset);
        }
        return (tree.Cover[left] * ConditionalExpectation(tree, left, x, subset) + tree.Cover[right] * ConditionalExpectation(tree, right, x, subset)) / tree.Cover[node];
    }

    private static double[] BruteForceShapley(DecisionTree tree, float[] x, int features)
    {
        var phi = new double[features];
        double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
        for (var i = 0; i < features; i++)
        {
            for (var s = 0; s < 1 << features; s++)
            {
                if ((s & (1 << i)) != 0)
                {
                    continue;
                }
                var size = System.Numerics.BitOperations.PopCount((uint)s);
                var weight = Factorial(size) * Factorial(features - size - 1) / Factorial(features);
                phi[i] += weight * (ConditionalExpectation(tree, 0, x, s | (1 << i)) - ConditionalExpectation(tree, 0, x, s));
            }
        }
        return phi;
    }

    [Theory]
    [InlineData(3f, 1f, 0f)]
    [InlineData(3f, 4f, 2f)]
    [InlineData(6f, 0f, 5f)]
    [InlineData(9f, 9f, 9f)]
    public void TreeShap_equals_brute_force_shapley_values_on_a_tiny_tree(float a, float b, float c)
    {
        var tree = TinyTree();
        var ensemble = new TreeEnsemble([tree], bias: 0.1, LogisticLink.Identity, featureCount: 4);
        float[] x = [a, b, c, 7f];
        var phi = new double[4];

        var bias = TreeShap.Explain(ensemble, x, phi);

        var expected = BruteForceShapley(tree, x, 4);
        for (var i = 0; i < 4; i++)
        {
            phi[i].Should().BeApproximately(expected[i], 1e-12, "feature {0}", i);
        }
        phi[3].Should().Be(0, "an unused feature gets nothing");
        bias.Should().BeApproximately(0.1 + ConditionalExpectation(tree, 0, x, 0), 1e-12);
        (bias + phi.Sum()).Should().BeApproximately(ensemble.Margin(x), 1e-12);
    }

    /// <summary>
    /// A full tree of the given depth on random features out of <paramref name="features"/> (repeats on a path
    /// included), random thresholds and leaf values, covers that split at random.
    /// </summary>
    private static DecisionTree RandomTree(Random random, int depth, int features)
    {
        var count = (1 << (depth + 1)) - 1;
        var feature = new int[count];
        var threshold = new float[count];
        var left = new int[count];
        var right = new int[count];
        var value = new double[count];
        var cover = new double[count];
        cover[0] = 1000;
        for (var node = 0; node < count; node++)
        {
            if (2 * node + 1 >= count)
            {
                feature[node] = -1;
                value[node] = random.NextDouble() * 4 - 2;
                continue;
            }
            feature[node] = random.Next(features);
            threshold[node] = random.Next(10);
            left[node] = 2 * node + 1;
            right[node] = 2 * node + 2;
            var share = 0.05 + 0.9 * random.NextDouble();
            cover[left[node]] = cover[node] * share;
            cover[right[node]] = cover[node] - cover[left[node]];
        }
        return new DecisionTree(feature, threshold, left, right, value, cover);
    }

    [Theory]
    [InlineData(1, 6, 4)]
    [InlineData(2, 9, 10)]
    [InlineData(3, 10, 10)]
    public void TreeShap_equals_brute_force_shapley_values_on_deep_random_trees(int seed, int depth, int features)
    {
        // Deep enough for paths of up to ten distinct features: more than four followed by the row (several lane groups) and some not.
        var random = new Random(seed);
        var trees = Enumerable.Range(0, 3).Select(_ => RandomTree(random, depth, features)).ToList();
        var ensemble = new TreeEnsemble(trees, bias: -0.3, LogisticLink.Identity, featureCount: features);
        for (var row = 0; row < 4; row++)
        {
            var x = Enumerable.Range(0, features).Select(_ => (float)random.Next(10)).ToArray();
            var phi = new double[features];

            var bias = TreeShap.Explain(ensemble, x, phi);

            var expected = new double[features];
            foreach (var tree in trees)
            {
                var treePhi = BruteForceShapley(tree, x, features);
                for (var i = 0; i < features; i++)
                {
                    expected[i] += treePhi[i];
                }
            }
            for (var i = 0; i < features; i++)
            {
                phi[i].Should().BeApproximately(expected[i], 1e-9, "row {0}, feature {1}", row, i);
            }
            (bias + phi.Sum()).Should().BeApproximately(ensemble.Margin(x), 1e-9);
        }
    }

    [Fact]
    public void Contributions_plus_bias_equal_the_margin_of_a_trained_model_loaded_from_onnx()
    {
        var train = SyntheticData.Make(3000, 21);
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, train, new HyperParameters(Trees: 60, Leaves: 31, MinDataInLeaf: 5), 3, Math.Log(0.5));
        var dir = Directory.CreateTempSubdirectory("shap-").FullName;
        try
        {
            var path = Path.Combine(dir, "model.onnx");
            var check = SyntheticData.Make(200, 22);
            OnnxExporter.Export(trained, new ModelCard("test-v1", SyntheticData.FeatureNames, 0.5, "v1", "lightgbm", new Dictionary<string, string>()), path, check);
            using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);

            double noise = 0, velocity = 0;
            for (var i = 0; i < check.Rows; i++)
            {
                var row = check.Row(i);
                var explanation = model.Explain(row);
                var p = model.Predict(row);
                explanation.Margin.Should().BeApproximately(model.Ensemble!.Margin(row), 1e-9);
                LogisticLink.Sigmoid(explanation.Margin).Should().BeApproximately(p, 1e-5);
                noise += Math.Abs(explanation.Contributions[4]);
                velocity += Math.Abs(explanation.Contributions[2]);
            }
            velocity.Should().BeGreaterThan(noise, "velocity drives the label and noise does not");
            var top = model.Explain(check.Row(0)).Top(check.Row(0), 2);
            top.Should().HaveCount(2);
            Math.Abs(top[0].Contribution).Should().BeGreaterThanOrEqualTo(Math.Abs(top[1].Contribution));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
