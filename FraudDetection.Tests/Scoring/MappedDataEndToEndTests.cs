using System.Globalization;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;
using FraudDetection.Training.Backtest;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Scoring;

public sealed class MappedDataEndToEndTests
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_file_in_the_handbook_layout_goes_through_train_backtest_replay_and_scoring_with_equal_scores()
    {
        using var harness = new ScoringHarness(merchants: true);
        var file = Path.Combine(harness.Directory, "handbook.csv");
        var rows = HandbookSimulation.Generate(new HandbookSimulation.Settings { Days = 42, Customers = 80, Terminals = 160, TransactionsPerDay = 1.2 });
        HandbookSimulation.Write(file, rows, new DateTime(2018, 4, 1));

        // Train on the raw file through the preset.
        var modelDirectory = Path.Combine(harness.Directory, "model");
        var trained = ModelTrainer.Train(new TrainingRequest
        {
            DataFiles = [file],
            Mapping = ColumnMapping.Handbook,
            OutputDirectory = modelDirectory,
            ValidationWindow = TimeSpan.FromDays(14),
            Parameters = new HyperParameters(Trees: 30, Leaves: 15, MinDataInLeaf: 10),
            NegativesPerFraud = 0,
            ShapRows = 50,
            WritePlots = false,
            ModelVersion = "handbook-e2e",
        });
        trained.Report.Params["column_mapping"].Should().StartWith("handbook: card=CUSTOMER_ID");

        // Backtest the whole file offline.
        var backtestCsv = Path.Combine(harness.Directory, "backtest.csv");
        // The layout has no category, location, holder or gender: the model is trained without the features that need them.
        var computes = new FeatureSelection(ColumnMapping.Handbook.Inputs, ["all"]);
        trained.Report.Params["feature_inputs"].Should().Be(TransactionInputNames.Format(ColumnMapping.Handbook.Inputs));
        using (var model = FraudModel.Load(trained.OnnxPath, computes))
        {
            model.Schema.Names.Should().Contain("merchant_risk_7d").And.NotContain("category").And.NotContain("age_years");
            var result = new BacktestRunner(model, computes: computes).RunFiles([], file, backtestCsv, mapping: ColumnMapping.Handbook);
            result.Rows.Should().Be(rows.Count);
            result.SkippedRows.Should().Be(0);
        }
        var offline = File.ReadLines(backtestCsv).Skip(1).Select(l => l.Split(','))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));

        // Replay it onto the broker in its own times, then score it live with the trained model as champion.
        using (var source = new ReplaySource(file, keepTime: true, mapping: ColumnMapping.Handbook))
        {
            await using var sink = new KafkaTransactionSink(harness.Kafka.BootstrapServers);
            (await ProducerLoop.RunAsync(source, sink, bucket: null, count: null, new RunCounters(), CancellationToken.None)).Should().Be(rows.Count);
            await sink.FlushAsync(CancellationToken.None);
            sink.Acknowledged.Should().Be(rows.Count);
        }
        var published = harness.ReadAll(Topics.Transactions, m => m.Count >= 1, TimeSpan.FromSeconds(10))[0];
        using (var json = JsonDocument.Parse(published.Message.Value))
        {
            json.RootElement.EnumerateObject().Select(p => p.Name).Should()
                .Equal(["trans_date_trans_time", "cc_num", "merchant", "amt", "trans_num", "is_fraud"], "absent fields stay absent");
        }

        // Scoring joins the merchant table the stage builds from its partials, as the default system does.
        var (_, models) = await harness.ChampionAsync(modelDirectory);
        var store = harness.Store("cp");
        harness.StartMerchantTableReader(store, "scoring-mapped");
        harness.StartMerchantStage(harness.Store("stage"));
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring-mapped"), models, store);
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == rows.Count, "every mapped transaction scored", TimeSpan.FromSeconds(120));
        await harness.StopAsync(consumer);
        stats.DeadLetters.Should().Be(0);

        var live = harness.ReadScored(s => s.Count >= rows.Count, TimeSpan.FromSeconds(60));
        live.Should().HaveCount(rows.Count);
        live.Should().OnlyContain(s => s.ModelVersion == models.Current!.Version);
        live.Where(s => Math.Abs(s.Score - offline[s.Transaction.TransNum]) > 1e-6).Should().BeEmpty("live scores equal the backtest's");
        live.Select(s => s.Score).Distinct().Count().Should().BeGreaterThan(10, "the model tells transactions apart");
        live.Where(s => s.Transaction.CcNum >= 1L << 62).Should().NotBeEmpty("customer 0 is scored under its stable card number");
    }
}
