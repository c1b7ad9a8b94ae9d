using FraudDetection.Benchmarks.Cli;
using FraudDetection.Benchmarks.Features;
using FraudDetection.Benchmarks.Load;
using FraudDetection.Core.Features;
using FraudDetection.Tests.Features;

namespace FraudDetection.Tests.Benchmarks;

public class BenchmarkCommandTests
{
    [Fact]
    public void Every_benchmark_is_a_command()
    {
        BenchmarkCli.BuildRoot().Subcommands.Select(c => c.Name).Should()
            .BeEquivalentTo("scoring", "graph", "producer", "features", "model", "micro", "faults", "system");
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

    [Fact]
    public async Task Faults_command_refuses_a_service_the_app_host_does_not_run()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await BenchmarkCli.RunAsync(["faults", "--kill", "scoring", "kafka-connect"]);
        }
        finally
        {
            Console.SetError(previous);
        }

        exit.Should().Be(2);
        error.ToString().Should().Contain("unknown service kafka-connect");
    }

    [Fact]
    public void System_percentile_is_the_bucket_holding_the_quantile_of_what_was_observed_between_two_scrapes()
    {
        // Cumulative counts by upper bound (s): 100 observations before, 1,000 more between the scrapes.
        var before = new SortedDictionary<double, double> { [0.005] = 50, [0.01] = 90, [0.05] = 100, [double.PositiveInfinity] = 100 };
        var after = new SortedDictionary<double, double> { [0.005] = 850, [0.01] = 980, [0.05] = 1_099, [double.PositiveInfinity] = 1_100 };

        SystemBench.Percentile(before, after, 0.5).Should().Be(0.005, "800 of the 1,000 new ones were within 5 ms");
        SystemBench.Percentile(before, after, 0.85).Should().Be(0.01, "890 within 10 ms");
        SystemBench.Percentile(before, after, 0.9).Should().Be(0.05, "only 890 within 10 ms");
        SystemBench.Percentile(before, after, 0.99).Should().Be(0.05, "999 within 50 ms");
        SystemBench.Percentile(after, after, 0.99).Should().Be(double.NaN, "nothing was observed");
    }

    [Fact]
    public void System_memory_slope_is_the_least_squares_slope()
    {
        SystemBench.Slope([(0, 100), (0.5, 150), (1, 200)]).Should().BeApproximately(100, 1e-9);
        SystemBench.Slope([(0, 100), (0.5, 101), (1, 99)]).Should().BeApproximately(-1, 1e-9);
        SystemBench.Slope([(0, 100)]).Should().Be(0);
    }
}
