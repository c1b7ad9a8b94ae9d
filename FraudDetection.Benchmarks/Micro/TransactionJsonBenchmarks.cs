using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Benchmarks.Micro;

/// <summary>The transaction JSON Scoring reads per message: its hand-written reader against the source-generated serializer.</summary>
[MemoryDiagnoser]
public class TransactionJsonBenchmarks
{
    private const int Rows = 1_000;
    private byte[][] _json = [];
    private ScoredTransaction[] _scored = [];
    private readonly ScoredJsonWriter _writer = new();

    [GlobalSetup]
    public void Setup()
    {
        var rows = SampleRows.All.Take(Rows).ToArray();
        _json = [.. rows.Select(t => JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction))];
        _scored = [.. rows.Select(t => new ScoredTransaction(t, 0.0123, 0.5, false, "bench", [], new ScoringTimings(1.5, 0.8, 1024), DateTimeOffset.UnixEpoch))];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Rows)]
    public int ParseWithSerializer()
    {
        var n = 0;
        foreach (var json in _json)
        {
            n += JsonSerializer.Deserialize(json, FraudJsonContext.Default.Transaction)!.Zip;
        }
        return n;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int ParseFast()
    {
        var n = 0;
        foreach (var json in _json)
        {
            n += TransactionJson.TryReadFast(json)!.Zip;
        }
        return n;
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int WriteScored()
    {
        var n = 0;
        foreach (var scored in _scored)
        {
            n += _writer.Serialize(scored).Length;
        }
        return n;
    }
}
