using BenchmarkDotNet.Attributes;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Scoring.Drift;

namespace FraudDetection.Benchmarks.Micro;

/// <summary>
/// Scoring's drift check on the emitter thread: <see cref="DriftMonitor.Observe"/> of one 1,024-row batch against a
/// reference of the score and ten features (decile bins), the window full; and the PSI of every column (a scrape).
/// </summary>
[MemoryDiagnoser]
public class DriftBenchmarks
{
    private const int Batch = 1024;
    private DriftMonitor _monitor = null!;
    private float[] _rows = [];
    private float[] _scores = [];

    [GlobalSetup]
    public void Setup()
    {
        var matrix = FeatureMatrix.Build(SampleRows.All.Take(20_000));
        var columns = matrix.Columns;
        var random = new Random(7);
        var scores = Enumerable.Range(0, 10_000).Select(_ => (float)Math.Pow(random.NextDouble(), 8)).ToArray();
        var features = FeatureSchema.Current.Names.Take(10).Select((name, i) => (name, i)).ToList();
        var reference = DriftReference.Build("bench", "bench", matrix.Values.AsSpan(0, 10_000 * columns), columns, scores, features, 0.5);
        _monitor = new DriftMonitor(new DriftOptions { WindowRows = 10_000, MinRows = 500 }, FeatureSchema.Current.Names);
        _monitor.UseReference("bench", reference);
        _rows = matrix.Values.AsSpan(10_000 * columns, Batch * columns).ToArray();
        _scores = scores[..Batch];
        for (var i = 0; i < 10; i++)
        {
            Observe(); // a full window: every row also takes one out
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _monitor.Dispose();

    [Benchmark(OperationsPerInvoke = Batch)]
    public void Observe() => _monitor.Observe("bench", _rows, FeatureSchema.Current.Count, _scores, Batch, 0.5);

    [Benchmark]
    public double? Snapshot() => _monitor.Snapshot().ScorePsi;
}
