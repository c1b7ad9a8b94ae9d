using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Training.Backtest;

namespace FraudDetection.Tests.Scoring;

/// <summary>History messages (header <see cref="Topics.HistoryHeader"/>) prime the card state as a backtest's --history does, once.</summary>
[Trait("Category", "Integration")]
public sealed class HistoryPrimingTests
{
    private static readonly List<Transaction> History = BundledData.SampleTail(TimeSpan.FromDays(3));
    private static readonly List<Transaction> Live = BundledData.ReplayHead(1_500);

    [Fact]
    public async Task History_primes_the_card_state_unscored_so_live_scores_equal_the_backtest_with_that_history()
    {
        using var harness = new ScoringHarness();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var primed = Backtest(models, History, Live);
        var unprimed = Backtest(models, [], Live);
        unprimed.Count(s => Math.Abs(s.Value - primed[s.Key]) > 1e-6).Should().BeGreaterThan(Live.Count / 10, "the history must matter for this test to mean anything");

        ProduceHistory(harness, History);
        harness.Produce(Live);
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == Live.Count, "all live transactions scored");
        await harness.StopAsync(consumer);

        stats.HistoryApplied.Should().Be(History.Count);
        stats.HistorySkipped.Should().Be(0);
        var scored = harness.ReadScored(s => s.Count >= Live.Count);
        scored.Select(s => s.Transaction.TransNum).Should().BeEquivalentTo(Live.Select(t => t.TransNum), "history is never scored or emitted");
        scored.Where(s => Math.Abs(s.Score - primed[s.Transaction.TransNum]) > 1e-6).Should().BeEmpty();
    }

    [Fact]
    public async Task A_restart_and_the_same_history_sent_again_prime_the_card_state_only_once()
    {
        using var harness = new ScoringHarness();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var primed = Backtest(models, History, Live);
        // A small dedupe window: most of the history sent again is no longer in it, so the state's clock must refuse it.
        var options = ScoringHarness.Options("scoring");
        options.DedupeWindow = 50;

        ProduceHistory(harness, History);
        var (first, firstStats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => firstStats.HistoryApplied == History.Count, "the history applied");
        await harness.StopAsync(first);

        // The Producer restarted: the same history again, then the traffic; Scoring resumes from its checkpoint.
        ProduceHistory(harness, History);
        harness.Produce(Live);
        var (second, secondStats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => secondStats.Scored == Live.Count, "all live transactions scored");
        await harness.StopAsync(second);

        secondStats.HistoryApplied.Should().Be(0);
        secondStats.HistorySkipped.Should().Be(History.Count, "the state's clock refuses what the dedupe window forgot");
        var scored = harness.ReadScored(s => s.Count >= Live.Count);
        scored.Should().HaveCount(Live.Count);
        scored.Where(s => Math.Abs(s.Score - primed[s.Transaction.TransNum]) > 1e-6).Should().BeEmpty("history folded in twice would change the scores");
    }

    private static void ProduceHistory(ScoringHarness harness, IEnumerable<Transaction> rows)
    {
        foreach (var t in rows)
        {
            harness.ProduceRaw(Encoding.UTF8.GetBytes(t.CcNum.ToString(CultureInfo.InvariantCulture)),
                JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction),
                [new Header(Topics.HistoryHeader, "1"u8.ToArray())]);
        }
        harness.Flush();
    }

    private static Dictionary<string, double> Backtest(IModelSource models, List<Transaction> history, List<Transaction> input)
    {
        var scores = new Dictionary<string, double>();
        new BacktestRunner(((OnnxScoringModel)models.Current!).Model).Run(history, input, s => scores[s.TransNum] = s.Score);
        return scores;
    }
}
