using FraudDetection.Benchmarks.Cli;
using FraudDetection.Benchmarks.Features;
using FraudDetection.Core.Features;
using FraudDetection.Tests.Features;

namespace FraudDetection.Tests.Benchmarks;

public class BenchmarkCommandTests
{
    [Fact]
    public void Every_benchmark_is_a_command()
    {
        BenchmarkCli.BuildRoot().Subcommands.Select(c => c.Name).Should()
            .BeEquivalentTo("scoring", "graph", "producer", "features", "model", "micro");
    }

    [Fact]
    public void Feature_benchmark_reports_what_it_ran_on_and_prints_it()
    {
        var rows = TestTransactions.Stream(2000, cards: 12);
        var output = new StringWriter();
        var result = FeatureBenchmark.Run(rows, repeats: 1, output: output);

        result.Rows.Should().Be(2000);
        result.Features.Should().Be(FeatureSchema.Current.Count);
        result.Cards.Should().Be(rows.Select(r => r.CcNum).Distinct().Count());
        result.CheckpointBytes.Should().BeGreaterThan(result.Cards * 3000L);
        result.RowsPerSecond.Should().BePositive();
        output.ToString().Should().Contain("2,000 rows x " + FeatureSchema.Current.Count).And.Contain("checkpoint: 12 cards");
    }

    [Fact]
    public async Task Feature_command_runs_on_a_repository_file()
    {
        var exit = await BenchmarkCli.RunAsync(["features", "--data", RepoPaths.KaggleSlice("fraudTest.head.csv"), "--repeats", "1"]);

        exit.Should().Be(0);
    }
}
