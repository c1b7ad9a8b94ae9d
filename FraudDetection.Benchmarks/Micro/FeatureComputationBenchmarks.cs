using BenchmarkDotNet.Attributes;
using FraudDetection.Core.Features;

namespace FraudDetection.Benchmarks.Micro;

/// <summary>The online feature pipeline per transaction: compute and update, compute only on a primed state.</summary>
[MemoryDiagnoser]
public class FeatureComputationBenchmarks
{
    private const int Rows = 10_000;
    private Transaction[] _rows = [];
    private OnlineFeatureState _primed = null!;
    private readonly float[] _features = new float[FeatureSchema.Current.Count];

    [GlobalSetup]
    public void Setup()
    {
        _rows = [.. SampleRows.All.Take(Rows)];
        _primed = new OnlineFeatureState();
        FeatureMatrix.Prime(_primed, SampleRows.All);
    }

    /// <summary>Every row through a fresh state, as Scoring does per message (the first rows of each card start it).</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public void ComputeAndUpdate()
    {
        var state = new OnlineFeatureState();
        foreach (var row in _rows)
        {
            state.ComputeAndUpdate(row, _features);
        }
    }

    /// <summary>Reading features against a state that has seen every card's history (what <c>POST /api/score</c> does).</summary>
    [Benchmark(OperationsPerInvoke = Rows)]
    public void ComputeOnPrimedState()
    {
        foreach (var row in _rows)
        {
            _primed.Compute(row, _features);
        }
    }
}
