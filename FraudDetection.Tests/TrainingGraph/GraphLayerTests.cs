using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.Graph.Training;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>The layers' forward passes on hand-computed values, and every gradient against central finite differences (in double).</summary>
public class GraphLayerTests
{
    [Fact]
    public void Dense_layer_forward_matches_hand_computed_values()
    {
        double[] weights = [1, 2, 3, 4, -1, 0.5];
        double[] bias = [0.5, -1];
        double[] input = [1, -1, 2];
        var output = new double[2];

        DenseLayer.Forward<double>(weights, bias, input, output);

        // [1 − 2 + 6 + 0.5, 4 + 1 + 1 − 1]
        output.Should().Equal(5.5, 5.0);
    }

    [Fact]
    public void Sage_layer_on_a_node_with_two_neighbours_matches_hand_computed_values()
    {
        // A node with features [1, 2] and two neighbours [3, 0] and [1, 4]: input [1, 2 ‖ 2, 2].
        double[] self = [1, 2];
        double[] neighbours = [3, 0, 1, 4];
        var input = new double[4];
        SageLayer.Aggregate<double>(self, neighbours, 2, input);
        input.Should().Equal(1, 2, 2, 2);

        // W = [[1, 0, 1, 0], [0, −1, 0, −1]], b = [0, 1]: pre = [3, −3], ReLU → [3, 0].
        double[] weights = [1, 0, 1, 0, 0, -1, 0, -1];
        double[] bias = [0, 1];
        var pre = new double[2];
        var output = new double[2];
        SageLayer.Forward<double>(weights, bias, input, pre, output);
        pre.Should().Equal(3, -3);
        output.Should().Equal(3, 0);

        // Without neighbours the mean half is zero: pre = [1, −2 + 1].
        SageLayer.Aggregate<double>(self, [], 0, input);
        input.Should().Equal(1, 2, 0, 0);
        SageLayer.Forward<double>(weights, bias, input, pre, output);
        output.Should().Equal(1, 0);
    }

    [Fact]
    public void The_network_composes_the_layers_as_written_on_a_hand_set_example()
    {
        // One node feature, no edge features, one transaction feature, every width 1, fan-outs 1.
        var shape = new GraphSageShape(NodeFeatures: 1, EdgeFeatures: 0, TransactionFeatures: 1, Hidden1: 1, Hidden2: 1, ClassifierHidden: 1, Fanout1: 1, Fanout2: 1);
        var layout = new ParameterLayout(shape);
        var p = new double[layout.Count];
        // Layer 1 (both types): h1 = ReLU(2·self + 1·mean message); layer 2 (both): h2 = ReLU(self + 3·mean).
        foreach (var type in new[] { 0, 1 })
        {
            Set(layout.Layer1Weights[type].Of(p.AsSpan()), 2.0, 1.0);
            Set(layout.Layer2Weights[type].Of(p.AsSpan()), 1.0, 3.0);
        }
        // Classifier: hidden = ReLU(tx + card − merchant), logit = 2·hidden − 1.
        Set(layout.ClassifierWeights.Of(p.AsSpan()), 1.0, 1.0, -1.0);
        layout.OutputWeights.Of(p.AsSpan())[0] = 2;
        layout.OutputBias.Of(p.AsSpan())[0] = -1;

        var ws = new Workspace<double>(shape);
        // Card root: self 1, message 0.5; its one merchant neighbour: self 2, message 1.
        ws.Neighbours[0] = 1;
        Set(ws.Input1(0, 0), 1.0, 0.5);
        Set(ws.Input1(0, 1), 2.0, 1.0);
        // Merchant root without neighbours: self 0.25, no message.
        ws.Neighbours[1] = 0;
        Set(ws.Input1(1, 0), 0.25, 0.0);
        ws.TransactionFeatures[0] = 0.5;

        var logit = new GraphSageNetwork<double>(layout).Forward(p, ws);

        // Card: h1 = 2.5, neighbour h1 = 5, h2 = 2.5 + 15 = 17.5. Merchant: h1 = 0.5, h2 = 0.5.
        ws.Embedding(0)[0].Should().Be(17.5);
        ws.Embedding(1)[0].Should().Be(0.5);
        // hidden = 0.5 + 17.5 − 0.5 = 17.5; logit = 34.
        logit.Should().Be(34);
    }

    [Fact]
    public void Dense_and_sage_layer_gradients_match_finite_differences()
    {
        var random = new Random(3);
        double[] Random(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1)];
        var weights = Random(4 * 6);
        var bias = Random(4);
        var input = Random(6);
        var coefficients = Random(4);
        // L = Σ c_o · ReLU(W·x + b)_o.
        double Loss(double[] w, double[] b, double[] x)
        {
            var pre = new double[4];
            var output = new double[4];
            SageLayer.Forward<double>(w, b, x, pre, output);
            return output.Zip(coefficients, (o, c) => o * c).Sum();
        }

        var preActivation = new double[4];
        var activation = new double[4];
        SageLayer.Forward<double>(weights, bias, input, preActivation, activation);
        preActivation.Should().Contain(v => v > 0).And.Contain(v => v < 0, "both sides of the ReLU are exercised");
        var dOutput = coefficients.ToArray();
        var dWeights = new double[weights.Length];
        var dBias = new double[bias.Length];
        var dInput = new double[input.Length];
        SageLayer.Backward<double>(weights, input, preActivation, dOutput, dWeights, dBias, dInput);

        CheckAgainstFiniteDifferences(weights, dWeights, () => Loss(weights, bias, input));
        CheckAgainstFiniteDifferences(bias, dBias, () => Loss(weights, bias, input));
        CheckAgainstFiniteDifferences(input, dInput, () => Loss(weights, bias, input));
    }

    [Theory]
    [InlineData(2, 3, true)]
    [InlineData(0, 1, false)]
    [InlineData(3, 0, true)]
    public void Every_parameter_gradient_of_the_network_matches_finite_differences(int cardNeighbours, int merchantNeighbours, bool fraud)
    {
        var shape = new GraphSageShape(NodeFeatures: 3, EdgeFeatures: 2, TransactionFeatures: 4, Hidden1: 4, Hidden2: 3, ClassifierHidden: 5, Fanout1: 2, Fanout2: 3);
        var layout = new ParameterLayout(shape);
        var network = new GraphSageNetwork<double>(layout);
        var random = new Random(11 + cardNeighbours);
        var parameters = Enumerable.Range(0, layout.Count).Select(_ => (random.NextDouble() * 2 - 1) * 0.8).ToArray();
        var ws = new Workspace<double>(shape);
        ws.Neighbours[0] = cardNeighbours;
        ws.Neighbours[1] = merchantNeighbours;
        foreach (var (root, n) in new[] { (0, cardNeighbours), (1, merchantNeighbours) })
        {
            for (var j = 0; j <= n; j++)
            {
                var slot = ws.Input1(root, j);
                for (var i = 0; i < slot.Length; i++)
                {
                    slot[i] = random.NextDouble() * 2 - 1;
                }
            }
        }
        for (var i = 0; i < shape.TransactionFeatures; i++)
        {
            ws.TransactionFeatures[i] = random.NextDouble() * 2 - 1;
        }
        double Loss() => GraphSageNetwork<double>.CrossEntropy(network.Forward(parameters, ws), fraud).Loss;

        var (_, dLogit) = GraphSageNetwork<double>.CrossEntropy(network.Forward(parameters, ws), fraud);
        var gradient = new double[layout.Count];
        network.Backward(parameters, ws, dLogit, gradient);

        CheckAgainstFiniteDifferences(parameters, gradient, Loss);
        gradient.Should().Contain(g => g != 0);
    }

    [Fact]
    public void Cross_entropy_gradient_matches_finite_differences_and_is_stable_for_large_logits()
    {
        foreach (var logit in new[] { -3.0, -0.2, 0.0, 0.7, 4.0 })
        {
            foreach (var fraud in new[] { true, false })
            {
                var (_, gradient) = GraphSageNetwork<double>.CrossEntropy(logit, fraud);
                var numeric = (GraphSageNetwork<double>.CrossEntropy(logit + 1e-6, fraud).Loss - GraphSageNetwork<double>.CrossEntropy(logit - 1e-6, fraud).Loss) / 2e-6;
                gradient.Should().BeApproximately(numeric, 1e-7);
            }
        }
        GraphSageNetwork<double>.CrossEntropy(800, fraud: false).Loss.Should().BeApproximately(800, 1e-9);
        GraphSageNetwork<double>.CrossEntropy(-800, fraud: true).Loss.Should().BeApproximately(800, 1e-9);
        double.IsFinite(GraphSageNetwork<double>.Sigmoid(-800)).Should().BeTrue();
    }

    [Fact]
    public void Adam_first_step_moves_each_parameter_by_the_learning_rate_against_its_gradient()
    {
        // With bias correction, m̂/√v̂ = g/|g| on the first step: every parameter moves by lr·sign(g).
        var adam = new AdamOptimizer(3, learningRate: 0.01, epsilon: 0);
        float[] parameters = [1, 1, 1];
        float[] gradient = [0.5f, -2, 1e-3f];
        adam.Step(parameters, gradient);
        parameters[0].Should().BeApproximately(0.99f, 1e-6f);
        parameters[1].Should().BeApproximately(1.01f, 1e-6f);
        parameters[2].Should().BeApproximately(0.99f, 1e-6f);
    }

    [Fact]
    public void Adam_clips_the_gradient_norm()
    {
        var clipped = new AdamOptimizer(2, learningRate: 0.1, clipNorm: 1);
        float[] gradient = [30, 40];
        clipped.Step(new float[2], gradient);
        gradient[0].Should().BeApproximately(0.6f, 1e-6f);
        gradient[1].Should().BeApproximately(0.8f, 1e-6f);
    }

    private static void Set(Span<double> target, params double[] values) => values.CopyTo(target);

    /// <summary>Central differences for every element of <paramref name="values"/> (perturbed in place, restored).</summary>
    private static void CheckAgainstFiniteDifferences(double[] values, double[] analytic, Func<double> loss)
    {
        const double step = 1e-6;
        for (var i = 0; i < values.Length; i++)
        {
            var original = values[i];
            values[i] = original + step;
            var up = loss();
            values[i] = original - step;
            var down = loss();
            values[i] = original;
            var numeric = (up - down) / (2 * step);
            analytic[i].Should().BeApproximately(numeric, 1e-6 + 1e-5 * Math.Abs(numeric), $"gradient {i} of {values.Length}");
        }
    }
}
