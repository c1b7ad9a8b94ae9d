using BenchmarkDotNet.Attributes;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Benchmarks.Micro;

/// <summary><see cref="FraudModel.Predict(ReadOnlySpan{float}, int, Span{float})"/> per row at the batch sizes Scoring sees, on the bench model.</summary>
public class OnnxBatchBenchmarks
{
    private FraudModel _model = null!;
    private float[] _rows = [];
    private float[] _probabilities = [];

    [Params(1, 64, 1024)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = FraudModel.Load(BenchModel.Ensure(BenchModel.DataConfiguration(), SampleRows.All), FeatureSchema.Current);
        var matrix = FeatureMatrix.Build(SampleRows.All.Take(Batch));
        _rows = matrix.Values[..(Batch * matrix.Columns)];
        _probabilities = new float[Batch];
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark]
    public float Predict()
    {
        _model.Predict(_rows, Batch, _probabilities);
        return _probabilities[0];
    }
}
