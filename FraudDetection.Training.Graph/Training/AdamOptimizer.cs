using System.Numerics.Tensors;

namespace FraudDetection.Training.Graph.Training;

/// <summary>Adam (Kingma and Ba 2015) on a flat parameter vector, with bias correction and a global gradient-norm clip.</summary>
public sealed class AdamOptimizer(int count, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double clipNorm = double.PositiveInfinity)
{
    private readonly float[] _m = new float[count];
    private readonly float[] _v = new float[count];
    private readonly float[] _scratch = new float[count];
    private int _t;

    public int Steps => _t;

    /// <summary>One step: θ ← θ − lr · m̂ / (√v̂ + ε), the gradient first scaled down to <c>clipNorm</c> when longer.</summary>
    public void Step(Span<float> parameters, Span<float> gradient)
    {
        var norm = TensorPrimitives.Norm(gradient);
        if (norm > clipNorm)
        {
            TensorPrimitives.Multiply(gradient, (float)(clipNorm / norm), gradient);
        }
        _t++;
        // m ← β1 m + (1 − β1) g ; v ← β2 v + (1 − β2) g²
        TensorPrimitives.Multiply(_m, (float)beta1, _m);
        TensorPrimitives.MultiplyAdd(gradient, (float)(1 - beta1), _m, _m);
        TensorPrimitives.Multiply(gradient, gradient, _scratch);
        TensorPrimitives.Multiply(_v, (float)beta2, _v);
        TensorPrimitives.MultiplyAdd(_scratch, (float)(1 - beta2), _v, _v);
        var stepSize = learningRate * Math.Sqrt(1 - Math.Pow(beta2, _t)) / (1 - Math.Pow(beta1, _t));
        // θ ← θ − stepSize · m / (√v + ε)
        TensorPrimitives.Sqrt(_v, _scratch);
        TensorPrimitives.Add(_scratch, (float)epsilon, _scratch);
        TensorPrimitives.Divide(_m, _scratch, _scratch);
        TensorPrimitives.MultiplyAdd(_scratch, (float)-stepSize, parameters, parameters);
    }
}
