using System.Numerics;
using System.Numerics.Tensors;

namespace FraudDetection.Training.Graph.Model;

// The layers are written by hand on TensorPrimitives (SIMD span kernels), gradients checked against finite
// differences in the tests: TorchSharp's native library needs GLIBCXX_3.4.32 and does not load on Debian 12.

/// <summary>A fully connected layer y = W·x + b (W row-major, one row per output) and its gradients.</summary>
public static class DenseLayer
{
    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> input, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = input.Length;
        for (var o = 0; o < output.Length; o++)
        {
            output[o] = bias[o] + TensorPrimitives.Dot(weights.Slice(o * n, n), input);
        }
    }

    /// <summary>
    /// Adds ∂L/∂W = dOut ⊗ x and ∂L/∂b = dOut to the gradients; adds Wᵀ·dOut to <paramref name="inputGradient"/> unless it is empty.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient,
        Span<T> weightGradient, Span<T> biasGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var n = input.Length;
        for (var o = 0; o < outputGradient.Length; o++)
        {
            var d = outputGradient[o];
            if (d == T.Zero)
            {
                continue;
            }
            biasGradient[o] += d;
            var row = weightGradient.Slice(o * n, n);
            TensorPrimitives.MultiplyAdd(input, d, row, row);
            if (!inputGradient.IsEmpty)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(o * n, n), d, inputGradient, inputGradient);
            }
        }
    }
}

/// <summary>ReLU and its gradient mask.</summary>
public static class Relu
{
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Max(input, T.Zero, output);

    /// <summary>dIn = dOut where the pre-activation was positive, else 0 (in place allowed).</summary>
    public static void Backward<T>(ReadOnlySpan<T> preActivation, ReadOnlySpan<T> outputGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < preActivation.Length; i++)
        {
            inputGradient[i] = preActivation[i] > T.Zero ? outputGradient[i] : T.Zero;
        }
    }
}

/// <summary>
/// A GraphSAGE layer with the mean aggregator (Hamilton et al. 2017): h = ReLU(W·[self ‖ mean(neighbours)] + b).
/// The concatenated input is built in the caller's buffer so that backward can read it again.
/// </summary>
public static class SageLayer
{
    /// <summary>Writes [self ‖ mean of <paramref name="neighbourCount"/> rows of <paramref name="neighbours"/>] (zeros without neighbours) into <paramref name="input"/>.</summary>
    public static void Aggregate<T>(ReadOnlySpan<T> self, ReadOnlySpan<T> neighbours, int neighbourCount, Span<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        self.CopyTo(input);
        var width = input.Length - self.Length;
        var mean = input.Slice(self.Length, width);
        mean.Clear();
        if (neighbourCount == 0)
        {
            return;
        }
        for (var j = 0; j < neighbourCount; j++)
        {
            TensorPrimitives.Add(mean, neighbours.Slice(j * width, width), mean);
        }
        TensorPrimitives.Multiply(mean, T.One / T.CreateTruncating(neighbourCount), mean);
    }

    public static void Forward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> bias, ReadOnlySpan<T> input, Span<T> preActivation, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        DenseLayer.Forward(weights, bias, input, preActivation);
        Relu.Forward<T>(preActivation, output);
    }

    /// <summary>
    /// From ∂L/∂h (overwritten with ∂L/∂pre) adds the weight and bias gradients, and adds ∂L/∂input unless
    /// <paramref name="inputGradient"/> is empty; its second half is the gradient of the neighbours' mean, each
    /// neighbour getting 1/count of it.
    /// </summary>
    public static void Backward<T>(ReadOnlySpan<T> weights, ReadOnlySpan<T> input, ReadOnlySpan<T> preActivation, Span<T> outputGradient,
        Span<T> weightGradient, Span<T> biasGradient, Span<T> inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Relu.Backward<T>(preActivation, outputGradient, outputGradient);
        DenseLayer.Backward<T>(weights, input, outputGradient, weightGradient, biasGradient, inputGradient);
    }
}
