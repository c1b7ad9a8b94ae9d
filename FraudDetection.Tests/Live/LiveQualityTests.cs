using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Tests.Scoring;
using FraudDetection.Training.Backtest;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Trainers;
using Xunit.Abstractions;

namespace FraudDetection.Tests.Live;

/// <summary>
/// The default run's quality: the starter model trained as the default run trains it (earlier weeks), the first
/// 50,000 transactions of the bundled replay (later weeks) through the running Producer and Scoring after the
/// history: the live figures are the backtest's, and catch most frauds with few false alerts.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LiveQualityTests(ITestOutputHelper output) : IDisposable
{
    private const int Replayed = 50_000;
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("live-quality-");

    [Fact]
    public async Task After_the_first_50000_replayed_transactions_live_precision_and_recall_are_the_backtests_and_at_least_0_7()
    {
        var trained = ModelTrainer.Train(StarterModelRecipe.TrainingRequest([BundledData.SamplePath], Path.Combine(_folder.FullName, "starter")) with
        {
            WritePlots = false,
            ModelVersion = "starter",
        });
        var replayFile = BundledData.Write(_folder.FullName, "replay-head.csv", BundledData.ReplayHead(Replayed));

        using var model = FraudModel.Load(trained.OnnxPath, FeatureSchema.Current);
        var backtest = new BacktestRunner(model).Run(TransactionCsv.ReadFile(BundledData.SamplePath), TransactionCsv.ReadFile(replayFile)).Metrics!;

        // The default Producer settings but the rate (a rate changes no score) and the file: the replay's first 50,000 rows.
        await using var system = await LiveSystem.StartAsync(trained.ModelDirectory, scoring: [], producer: new()
        {
            ["Producer:File"] = replayFile,
            ["Producer:History"] = BundledData.SamplePath,
            ["Producer:Rate"] = "50000",
            ["Producer:Loop"] = "false",
        });
        try
        {
            await ScoringHarness.WaitUntilAsync(() => system.ScoringStatsAsync().Result.GetProperty("labelled").GetProperty("labelled").GetInt64() == Replayed,
                "50,000 replayed transactions scored", TimeSpan.FromMinutes(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            output.WriteLine($"dropped by the broker: {system.DroppedByBroker(Topics.Transactions):N0}; scoring stats: {await system.ScoringStatsAsync()}");
            throw;
        }
        var live = (await system.ScoringStatsAsync()).GetProperty("labelled");
        var (precision, recall) = (live.GetProperty("precision").GetDouble(), live.GetProperty("recall").GetDouble());

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {trained.Report.ModelVersion}: validation {trained.Report.ValidationWindow}, threshold {model.Threshold:F4}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"live:     precision {precision:F4}, recall {recall:F4}, alert rate {live.GetProperty("alert_rate").GetDouble():F5} (tp {live.GetProperty("tp")}, fp {live.GetProperty("fp")}, fn {live.GetProperty("fn")}, tn {live.GetProperty("tn")})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backtest: precision {backtest.Precision:F4}, recall {backtest.Recall:F4} (tp {backtest.ConfusionMatrix.TruePositives}, fp {backtest.ConfusionMatrix.FalsePositives}, fn {backtest.ConfusionMatrix.FalseNegatives}, tn {backtest.ConfusionMatrix.TrueNegatives}), AP {backtest.AveragePrecision:F4}"));
        precision.Should().BeApproximately(backtest.Precision, 0.05);
        recall.Should().BeApproximately(backtest.Recall, 0.05);
        precision.Should().BeGreaterThanOrEqualTo(0.7);
        recall.Should().BeGreaterThanOrEqualTo(0.7);
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
