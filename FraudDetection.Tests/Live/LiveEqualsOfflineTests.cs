using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Telemetry;
using FraudDetection.Core.Transactions;
using FraudDetection.Tests.Dashboards;
using FraudDetection.Tests.Scoring;
using FraudDetection.Training.Backtest;
using Xunit.Abstractions;

namespace FraudDetection.Tests.Live;

/// <summary>
/// Live = offline: the bundled replay, with the weeks before it as history, through the running Producer → Kafka →
/// Scoring path, scores every transaction as <c>backtest --history … --input …</c> scores the original rows with the
/// same model; a feature that differs is named. The live figures are the counts of the scored output.
/// </summary>
[Collection(MetricsIsolation.Name)]
[Trait("Category", "Integration")]
public sealed class LiveEqualsOfflineTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("live-offline-");

    [Fact]
    public async Task The_running_services_score_every_replayed_transaction_as_the_backtest_does_feature_by_feature_and_count_it_in_the_live_figures()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var history = BundledData.SampleTail(TimeSpan.FromDays(7));
        var replay = BundledData.ReplayHead(5_000);
        var historyFile = BundledData.Write(_folder.FullName, "history.csv", history);
        var replayFile = BundledData.Write(_folder.FullName, "replay.csv", replay);

        // Offline: the backtest on the original rows (original times), primed with the same history, and its features.
        // A model that reads merchant features: Scoring joins the merchant table the default system's stage builds.
        using var model = FraudModel.Load(Path.Combine(ScoringModels.ModelM, ModelRegistryNames.OnnxFileName), FeatureSelection.All);
        var offline = new Dictionary<string, float>();
        new BacktestRunner(model).Run(history, replay, s => offline[s.TransNum] = s.Score);
        var matrix = FeatureMatrix.Build(history, replay, new OnlineFeatureState());
        var offlineFeatures = Enumerable.Range(0, matrix.Rows).ToDictionary(i => matrix.TransactionIds[i], i => matrix.Row(i).ToArray());
        // A threshold that leaves some frauds caught, some missed and some false alerts, so that every figure is tested.
        // Midway between two scores, so that no score sits on it.
        var sorted = offline.Values.Select(v => (double)v).Order().ToList();
        var threshold = (sorted[sorted.Count * 995 / 1000] + sorted[sorted.Count * 995 / 1000 - 1]) / 2;
        output.WriteLine($"offline done at {clock.Elapsed.TotalSeconds:F1} s; threshold {threshold}");

        // Live: the Producer replays in event time (moved to this week) after the history; Scoring puts every
        // feature it used in the scored message (ExplainAllScored with every feature as a reason).
        var names = FeatureSchema.Current.Names;
        await using var system = await LiveSystem.StartAsync(ScoringModels.ModelM,
            scoring: new()
            {
                ["Scoring:ExplainAllScored"] = "true",
                ["Scoring:ThresholdOverride"] = threshold.ToString("R", CultureInfo.InvariantCulture),
                ["Scoring:TopReasons"] = names.Count.ToString(CultureInfo.InvariantCulture),
            },
            producer: new()
            {
                ["Producer:File"] = replayFile,
                ["Producer:History"] = historyFile,
                ["Producer:Rate"] = "50000",
                ["Producer:Loop"] = "false",
            });
        output.WriteLine($"started at {clock.Elapsed.TotalSeconds:F1} s");
        var scored = system.ReadScored(replay.Count, TimeSpan.FromSeconds(120));
        output.WriteLine($"scored read at {clock.Elapsed.TotalSeconds:F1} s");
        if (scored.Count < replay.Count)
        {
            output.WriteLine($"scoring stats: {await system.ScoringStatsAsync()}");
        }
        scored.Should().HaveCount(replay.Count);

        scored.Select(s => s.Transaction.TransNum).Order(StringComparer.Ordinal)
            .Should().Equal(replay.Select(t => t.TransNum).Order(StringComparer.Ordinal), "every replayed transaction is scored once, no history row");
        var shift = scored[0].Transaction.TransDateTransTime - replay.Single(t => t.TransNum == scored[0].Transaction.TransNum).TransDateTransTime;
        shift.Should().BeGreaterThan(TimeSpan.FromDays(365), "the replay runs in this week's event time, not the file's");

        var differing = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var s in scored)
        {
            var live = s.Reasons.ToDictionary(r => r.Feature, r => r.Value);
            var expected = offlineFeatures[s.Transaction.TransNum];
            for (var i = 0; i < names.Count; i++)
            {
                if (!live.TryGetValue(names[i], out var value))
                {
                    differing.TryAdd(names[i], $"{s.Transaction.TransNum}: not in the scored message");
                }
                else if (value != expected[i])
                {
                    differing.TryAdd(names[i], $"{s.Transaction.TransNum}: live {value:R}, backtest {expected[i]:R}");
                }
            }
        }
        differing.Should().BeEmpty("every feature is the same online and offline");
        scored.Where(s => Math.Abs(s.Score - offline[s.Transaction.TransNum]) > 1e-6)
            .Select(s => $"{s.Transaction.TransNum}: live {s.Score:R}, backtest {offline[s.Transaction.TransNum]:R}")
            .Should().BeEmpty("the same features through the same model give the same score");
        scored.Where(s => s.IsAlert != (offline[s.Transaction.TransNum] >= threshold)).Select(s => s.Transaction.TransNum)
            .Should().BeEmpty("hence the same alerts");

        // The live figures: exactly the counts of the scored output, on /metrics and on the stats API.
        var counts = LabelledOutcome.All.ToDictionary(o => o, o => (double)scored.Count(s => LabelledOutcome.Of(s.Transaction.IsFraud == 1, s.IsAlert) == o));
        output.WriteLine(string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}")) + $" compared at {clock.Elapsed.TotalSeconds:F1} s");
        counts.Values.Should().OnlyContain(n => n > 0, "alerts and frauds both caught and missed, for the figures to be tested");
        await ScoringHarness.WaitUntilAsync(() => system.ScoringStatsAsync().Result.GetProperty("labelled").GetProperty("labelled").GetInt64() == scored.Count,
            "the stats counted every scored transaction");
        var labelled = (await system.ScoringStatsAsync()).GetProperty("labelled");
        LabelledOutcome.All.ToDictionary(o => o, o => (double)labelled.GetProperty(o).GetInt64()).Should().Equal(counts);
        labelled.GetProperty("precision").GetDouble().Should().BeApproximately(counts["tp"] / (counts["tp"] + counts["fp"]), 1e-12);
        labelled.GetProperty("recall").GetDouble().Should().BeApproximately(counts["tp"] / (counts["tp"] + counts["fn"]), 1e-12);
        labelled.GetProperty("alert_rate").GetDouble().Should().BeApproximately((counts["tp"] + counts["fp"]) / scored.Count, 1e-12);
        var metric = await system.CounterAsync(system.ScoringUrl!, "fraud_scoring_labelled_total", "outcome");
        metric.Should().Equal(counts);

        var stats = await system.ScoringStatsAsync();
        stats.GetProperty("history_applied").GetInt64().Should().Be(history.Count);
        stats.GetProperty("history_skipped").GetInt64().Should().Be(0);
        output.WriteLine($"checked at {clock.Elapsed.TotalSeconds:F1} s");
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
