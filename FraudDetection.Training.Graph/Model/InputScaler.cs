using System.Numerics;

namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// Per-column affine scaling (x − mean) / std, fitted on training rows; columns not standardized keep mean 0 and
/// scale 1. Transaction features go through a signed log first (sign(x)·ln(1 + |x|): amounts, seconds and counts
/// are heavy-tailed) and are clipped to ±<see cref="Clip"/> after scaling.
/// </summary>
public sealed class InputScaler
{
    public InputScaler(float[] mean, float[] inverseStd, bool signedLog, float clip)
    {
        if (mean.Length != inverseStd.Length)
        {
            throw new ArgumentException("Scaler columns differ in length.");
        }
        Mean = mean;
        InverseStd = inverseStd;
        SignedLog = signedLog;
        Clip = clip;
    }

    public float[] Mean { get; }
    public float[] InverseStd { get; }
    public bool SignedLog { get; }
    /// <summary>Scaled values are clipped to ±this (infinity: no clip).</summary>
    public float Clip { get; }
    public int Count => Mean.Length;

    public static InputScaler Identity(int count) => new(new float[count], [.. Enumerable.Repeat(1f, count)], signedLog: false, float.PositiveInfinity);

    public static double SignedLogOf(double x) => Math.Sign(x) * Math.Log(1 + Math.Abs(x));

    /// <summary>Scales <paramref name="raw"/> into <paramref name="output"/> (may be the same span).</summary>
    public void Apply<T>(ReadOnlySpan<T> raw, Span<T> output) where T : IFloatingPointIeee754<T>
    {
        for (var i = 0; i < Mean.Length; i++)
        {
            var x = double.CreateTruncating(raw[i]);
            if (SignedLog)
            {
                x = SignedLogOf(x);
            }
            x = (x - Mean[i]) * InverseStd[i];
            output[i] = T.CreateTruncating(Math.Clamp(x, -Clip, Clip));
        }
    }

    public void Apply(ReadOnlySpan<float> raw, Span<float> output) => Apply<float>(raw, output);

    /// <summary>Accumulates column moments (Welford) and builds the scaler; <paramref name="standardize"/> null standardizes every column.</summary>
    public sealed class Builder(int count, bool[]? standardize = null, bool signedLog = false, float clip = float.PositiveInfinity)
    {
        private readonly double[] _mean = new double[count];
        private readonly double[] _m2 = new double[count];
        private long _n;

        public void Add<T>(ReadOnlySpan<T> raw) where T : IFloatingPointIeee754<T>
        {
            _n++;
            for (var i = 0; i < count; i++)
            {
                var x = double.CreateTruncating(raw[i]);
                if (signedLog)
                {
                    x = SignedLogOf(x);
                }
                var delta = x - _mean[i];
                _mean[i] += delta / _n;
                _m2[i] += delta * (x - _mean[i]);
            }
        }

        public InputScaler Build()
        {
            var mean = new float[count];
            var inverse = new float[count];
            for (var i = 0; i < count; i++)
            {
                if (standardize is not null && !standardize[i])
                {
                    inverse[i] = 1;
                    continue;
                }
                var std = _n > 1 ? Math.Sqrt(_m2[i] / (_n - 1)) : 0;
                mean[i] = (float)_mean[i];
                inverse[i] = std > 1e-6 ? (float)(1 / std) : 1f;
            }
            return new InputScaler(mean, inverse, signedLog, clip);
        }
    }
}
