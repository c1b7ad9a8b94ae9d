using System.CommandLine;
using FraudDetection.Training.Benchmarks.Handbook;

namespace FraudDetection.Training.Benchmarks;

/// <summary><c>benchmark &lt;name&gt;</c>: quality benchmarks on public data sets, each on its own published protocol.</summary>
public static class BenchmarkCommand
{
    public static Command Build() => new("benchmark", "Quality benchmarks on public data sets, on their own protocols") { HandbookBenchmarkCommand.Build() };
}
