using System.CommandLine;
using FraudDetection.Benchmarks.Faults;
using FraudDetection.Benchmarks.Features;
using FraudDetection.Benchmarks.Graph;
using FraudDetection.Benchmarks.Load;
using FraudDetection.Benchmarks.Micro;
using FraudDetection.Benchmarks.Model;
using FraudDetection.Benchmarks.Producer;
using FraudDetection.Benchmarks.Scoring;

namespace FraudDetection.Benchmarks.Cli;

/// <summary>The benchmark commands; each prints its figures (run from a Release build).</summary>
public static class BenchmarkCli
{
    public static Task<int> RunAsync(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    public static RootCommand BuildRoot() => new("FraudDetection benchmarks: end-to-end commands and BenchmarkDotNet suites (Release builds).")
    {
        ScoringBench.Build(),
        GraphBench.Build(),
        ProducerBench.Build(),
        FeatureBenchmark.Build(),
        ModelBench.Build(),
        MicroBenchmarks.Build(),
        FaultBench.Build(),
        SystemBench.Build(),
    };
}
