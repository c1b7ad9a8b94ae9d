using System.CommandLine;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace FraudDetection.Benchmarks.Micro;

/// <summary>
/// <c>micro [BenchmarkDotNet options]</c>: the BenchmarkDotNet suites of this folder, e.g. <c>micro --filter *Json*</c>
/// (default: every suite, <c>--job short</c>). They run in this process (<c>--inProcess</c>): the generated-project
/// toolchain would rebuild the solution under its own settings, and this measures the build that ships.
/// </summary>
public static class MicroBenchmarks
{
    public static Command Build()
    {
        var command = new Command("micro", "BenchmarkDotNet suites: feature computation, transaction JSON, ONNX batches (pass BenchmarkDotNet options after it, e.g. --filter *Json*)")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parse =>
        {
            var arguments = new List<string> { "--inProcess" };
            arguments.AddRange(parse.UnmatchedTokens);
            if (!arguments.Contains("--filter") && !arguments.Contains("-f"))
            {
                arguments.AddRange(["--filter", "*"]);
            }
            if (!arguments.Contains("--job") && !arguments.Contains("-j"))
            {
                arguments.AddRange(["--job", "short"]);
            }
            BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly)
                .Run([.. arguments], DefaultConfig.Instance);
            return 0;
        });
        return command;
    }
}
