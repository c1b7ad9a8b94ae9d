using FraudDetection.Benchmarks.Cli;
using FraudDetection.Benchmarks.Features;
using FraudDetection.Benchmarks.Load;
using FraudDetection.Benchmarks.Scoring;
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
    public async Task Scoring_command_refuses_a_model_that_is_not_there_in_one_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-model-{Guid.NewGuid():N}.onnx");
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int exit;
        try
        {
            exit = await BenchmarkCli.RunAsync(["scoring", "--model", missing, "--data", RepoPaths.KaggleSlice("fraudTest.head.csv")]);
        }
        finally
        {
            Console.SetError(previous);
        }

        exit.Should().Be(2);
        error.ToString().Should().Contain("No model at " + missing);
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
    public void Model_bench_counts_the_distinct_features_on_each_leaf_path()
    {
        // Leaves 4 and 5 sit under f0, f1, f2; leaf 7 under f0, f1; leaves 6 and 8 under f0 twice, which counts once.
        var tree = FraudDetection.Tests.Training.TreeShapTests.TinyTree();

        var (leaves, meanPathFeatures) = FraudDetection.Benchmarks.Model.ModelBench.LeafPaths([tree, tree]);

        leaves.Should().Be(10);
        meanPathFeatures.Should().BeApproximately(2.0, 1e-12, "(3 + 3 + 2 + 1 + 1) / 5 in each tree");
    }

    [Fact]
    public void System_memory_slope_is_the_least_squares_slope()
    {
        SystemBench.Slope([(0, 100), (0.5, 150), (1, 200)]).Should().BeApproximately(100, 1e-9);
        SystemBench.Slope([(0, 100), (0.5, 101), (1, 99)]).Should().BeApproximately(-1, 1e-9);
        SystemBench.Slope([(0, 100)]).Should().Be(0);
    }

    [Fact]
    public void Live_stream_steps_up_while_held_then_refines_from_the_highest_rate_held()
    {
        static LiveStream.Step Step(int offered, bool held) => new(offered, offered, offered, 0, 0, 10, 20, held, 30);

        LiveStream.NextRate([], 10_000).Should().Be(10_000);
        LiveStream.NextRate([Step(10_000, true), Step(20_000, true)], 10_000).Should().Be(30_000);
        var failedAt30 = new[] { Step(10_000, true), Step(20_000, true), Step(30_000, false) };
        LiveStream.NextRate(failedAt30, 10_000).Should().Be(25_000, "half a step above the highest rate held");
        LiveStream.NextRate([.. failedAt30, Step(25_000, true)], 10_000).Should().Be(27_500, "a quarter step above the new highest");
        LiveStream.NextRate([.. failedAt30, Step(25_000, false)], 10_000).Should().Be(22_500, "a quarter step above 20,000");
        LiveStream.NextRate([.. failedAt30, Step(25_000, false), Step(22_500, true)], 10_000).Should().BeNull("two refinements are the end");
        LiveStream.NextRate([Step(10_000, false)], 10_000).Should().Be(5_000, "nothing held: half the first step");
        LiveStream.NextRate([Step(1, false)], 1).Should().BeNull("no smaller step is left");
    }

    [Fact]
    public void Live_step_is_held_only_when_all_of_it_went_out_and_the_lag_grew_by_at_most_2_percent()
    {
        LiveStream.IsHeld(rows: 50_000, sent: 50_000, (1_000, 50_000)).Should().BeTrue();
        LiveStream.IsHeld(rows: 50_000, sent: 50_000, (1_001, 50_000)).Should().BeFalse("1,001 is over 2 % of 50,000");
        LiveStream.IsHeld(rows: 50_000, sent: 50_000, (-8_000, 50_000)).Should().BeTrue("a lag that fell");
        LiveStream.IsHeld(rows: 50_000, sent: 20_000, (100, 20_000)).Should().BeFalse("the step stopped early");
    }

    [Fact]
    public void Live_step_with_a_lag_trend_is_held_by_the_trend_not_by_the_rows_in_flight()
    {
        // 10,000 tx/s for 5 s: 4,000 rows in flight from the first second on, then steady, is held; the same level
        // still growing by 300 a second after the first second is not (900 over the 3 s between the windows, against
        // 2 % of the 30,000 produced in them = 600).
        var steady = Samples(5, 10_000, t => Math.Min(t, 1) * 4_000);
        var growing = Samples(5, 10_000, t => Math.Min(t, 1) * 4_000 + Math.Max(0, t - 1) * 300);

        var trend = LiveStream.LagTrend(steady, 5);
        trend.Growth.Should().Be(0);
        trend.ProducedBetween.Should().BeApproximately(30_000, 100, "from the middle of the second second to the middle of the fifth");
        LiveStream.IsHeld(50_000, 50_000, trend).Should().BeTrue("rows in flight are latency");
        LiveStream.IsHeld(50_000, 50_000, (4_000, 50_000)).Should().BeFalse("the lag's level from the step's start to its end: 4,000 > 1,000");

        var growth = LiveStream.LagTrend(growing, 5);
        growth.Growth.Should().BeCloseTo(900, 10, "300 a second over the 3 s between the windows' middles");
        LiveStream.IsHeld(50_000, 50_000, growth).Should().BeFalse();
        LiveStream.IsHeld(50_000, 49_000, trend).Should().BeFalse("the step stopped early");
        LiveStream.LagTrend([new(0, 0, 100), new(2.5, 5, 300), new(4.9, 10, 105)], 5).Should().Be((5L, 10.0),
            "no sample in the second fifth: from the first sample to the last");

        static List<LiveStream.LagSample> Samples(int seconds, int rate, Func<double, double> lag) =>
            [.. Enumerable.Range(0, seconds * 20).Select(i => i * 0.05).Select(t => new LiveStream.LagSample(t, (int)(t * rate), (long)lag(t)))];
    }

    [Fact]
    public void Live_rounds_compare_the_rates_held_and_the_cost_at_the_highest_rate_both_held_and_take_medians()
    {
        static LiveStream.Step Step(int offered, bool held, double cpu) => new(offered, offered, offered, 0, 0, 10, 20, held, cpu);
        static LiveStream.Result Run(params LiveStream.Step[] steps) => new(steps, 0, 0, 0);

        var card = Run(Step(10_000, true, 90), Step(20_000, true, 60), Step(30_000, true, 50), Step(40_000, false, 44));
        var withStage = Run(Step(10_000, true, 92), Step(20_000, false, 65), Step(15_000, true, 70));
        var pair = new LiveStream.Pair(card, withStage);

        pair.Ratio.Should().Be(0.5, "15,000 held over 30,000");
        pair.MatchedRate.Should().Be(10_000, "20,000 was not held with the stage");
        pair.CpuRatio.Should().BeApproximately(90.0 / 92, 1e-9);
        pair.ToString().Should().Contain("at 10,000 tx/s offered, both held: 90.0 | 92.0 µs/tx");
        new LiveStream.Pair(card, Run(Step(10_000, false, 99))).CpuRatio.Should().Be(double.NaN, "no rate both held");

        LiveStream.Pair.Median([0.9, double.NaN, 0.7, 1.1]).Should().Be(0.9, "NaN left out, the middle of three");
        LiveStream.Pair.Median([0.8, 1.0]).Should().Be(0.9);
        LiveStream.Pair.Median([double.NaN]).Should().Be(double.NaN);
        var even = new LiveStream.Pair(card, card);
        var summary = LiveStream.Pair.Summarize([pair, even, even]);
        summary.Ratio.Should().Be(1.0, "the median of 0.5, 1, 1");
        summary.MerchantHeld.Should().Be(30_000);
        summary.ToString().Should().Contain("the rounds' ratios 50 %, 100 %, 100 %, median 100 %");
    }

    [Fact]
    public void Live_stream_in_real_time_stamps_each_row_when_it_is_due_and_keeps_the_rest()
    {
        var sample = FraudDetection.Core.Transactions.TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).ToList();
        var rows = ScoringBench.Loop(sample, 0, 40);
        var original = rows.ToArray();
        var start = new DateTime(2026, 12, 6, 23, 59, 59, 990);

        LiveStream.InRealTime(rows, start, rate: 20);

        rows[0].TransDateTransTime.Should().Be(start);
        rows[39].TransDateTransTime.Should().Be(start + TimeSpan.FromSeconds(39 / 20.0), "row i goes out i / rate seconds after the start");
        rows.Should().OnlyContain(t => t.UnixTime == FraudDetection.Core.Transactions.KaggleTime.UnixTime(t.TransDateTransTime));
        rows.Select(t => t.TransDateTransTime.Date).Distinct().Should().HaveCount(2, "a stream in real time changes day at midnight, once");
        rows.Select(t => t with { TransDateTransTime = default, UnixTime = 0 })
            .Should().Equal(original.Select(t => t with { TransDateTransTime = default, UnixTime = 0 }), "cards, merchants, amounts and trans_nums are the replay's");
    }

    [Fact]
    public void Bench_model_is_cached_per_training_data()
    {
        var start = new DateTime(2020, 1, 1);
        var rows = Enumerable.Range(0, 50).Select(i => TestTransactions.Make(1, start.AddMinutes(i), 10 + i)).ToList();
        var sameRows = rows.Select(r => r with { }).ToList();
        var otherRows = rows.Take(49).Append(TestTransactions.Make(2, start.AddHours(2), 5)).ToList();

        BenchModel.DataKey(sameRows).Should().Be(BenchModel.DataKey(rows)).And.MatchRegex("^[0-9a-f]{12}$");
        BenchModel.DataKey(otherRows).Should().NotBe(BenchModel.DataKey(rows), "other rows train another model");
    }
}
