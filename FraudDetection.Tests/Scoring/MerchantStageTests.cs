using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Merchants;

namespace FraudDetection.Tests.Scoring;

/// <summary>The merchant features live: Scoring's partials → the merchant stage → the merchant table Scoring joins.</summary>
[Trait("Category", "Integration")]
public sealed class MerchantStageTests
{
    /// <summary>About four and a half days of the bundled sample (every card, every merchant).</summary>
    private static List<Transaction> Days() =>
        [.. TransactionCsv.ReadFile(Path.Combine(ScoringModels.RepositoryRoot(), "data", "sample.csv.gz")).Take(12_000)];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stream_scores_and_merchant_table_equal_the_backtest_and_the_offline_table(bool handOver)
    {
        using var harness = new ScoringHarness(partitions: 8, merchants: true);
        var transactions = Days();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelM);
        MerchantLink.Needs(models.Current!.Schema).Should().BeTrue("the model reads merchant features, so Scoring waits for the table");
        var expected = TestTransactions.Offline(transactions, models.Current!);
        var store = harness.Store("cp");
        harness.StartMerchantTableReader(store, "scoring");
        var (stage, stageRun, stopStage) = harness.StartMerchantStage(harness.Store("stage"), handOver: handOver);

        harness.Produce(transactions.Take(6_000));
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, store);
        await ScoringHarness.WaitUntilAsync(() => stats.Scored >= 5_000, "half scored", TimeSpan.FromSeconds(60));
        if (handOver)
        {
            await ScoringHarness.WaitUntilAsync(() => stats.Merchant?.HandedOver is { TableMessages: > 0, PartialsMessages: > 0 },
                "the stats show the hand-over", TimeSpan.FromSeconds(20));
        }

        // Restart the stage mid-stream: its checkpoint carries on, nothing counted twice or lost.
        await stopStage.CancelAsync();
        await stageRun.WaitAsync(TimeSpan.FromSeconds(30));
        var (stage2, _, _) = harness.StartMerchantStage(harness.Store("stage"), handOver: handOver);
        harness.Produce(transactions.Skip(6_000));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == transactions.Count, "all scored", TimeSpan.FromSeconds(90));
        await harness.StopAsync(consumer);

        var scored = harness.ReadScored(s => s.Count >= transactions.Count);
        scored.Should().HaveCount(transactions.Count);
        (stage.PublishedDays + stage2.PublishedDays).Should().BePositive();
        if (handOver)
        {
            (stage.HandedOver + stage2.HandedOver).Should().BePositive("the card partitions' partials reach the stage in process");
            harness.MerchantTable!.HandedOver.Should().BePositive("the stage's days reach the table in process");
        }
        else
        {
            (stage.HandedOver + stage2.HandedOver + harness.MerchantTable!.HandedOver).Should().Be(0, "a stage in another process gets everything through the broker");
        }

        // The live table holds exactly the offline table's merchant days (features are a function of them and the day).
        var offline = new OnlineFeatureState();
        FeatureMatrix.Prime(offline, transactions);
        var live = harness.MerchantTable!.History;
        live.CompleteThrough.Should().BeGreaterThanOrEqualTo(MerchantDays.Of(transactions[^1].TransDateTransTime) - 1);
        var merchants = transactions.Select(t => t.Merchant).Distinct().ToList();
        var days = transactions.Select(t => MerchantDays.Of(t.TransDateTransTime)).Distinct().Where(d => d <= live.CompleteThrough).ToList();
        days.Should().HaveCountGreaterThan(3);
        var compared = 0;
        foreach (var merchant in merchants)
        {
            var id = MerchantIds.Of(merchant);
            foreach (var day in days)
            {
                live.Get(id, day).Should().Be(offline.MerchantTable!.Get(id, day), $"{merchant} on {MerchantDays.Format(day)}");
                compared += offline.MerchantTable.Get(id, day) is null ? 0 : 1;
            }
        }
        compared.Should().BeGreaterThan(1_000);

        // After the table: a mismatch with the table right says a row read its days too early, not that a day was wrong.
        ShouldScoreAsTheBacktest(scored, expected, "the stream scores as the backtest does");
    }

    [Fact]
    public async Task A_quiet_partition_keeps_its_day_open_while_another_partitions_newer_day_may_still_be_ahead_of_its_own_data()
    {
        // Two partitions, cards split between them; the first part ends an hour before midnight.
        var transactions = Days().Take(9_000).ToList();
        static int PartitionOf(Transaction t) => (int)(t.CcNum % 2);
        using var harness = new ScoringHarness(partitions: 2, merchants: true);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelM);
        var expected = TestTransactions.Offline(transactions, models.Current!);
        var store = harness.Store("cp");
        harness.StartMerchantTableReader(store, "scoring");
        harness.StartMerchantStage(harness.Store("stage"));
        var options = ScoringHarness.MerchantOptions();
        options.IdleAfterMs = 2_000;
        var (_, stats) = harness.Start(ScoringHarness.Options("scoring"), models, store, options);
        foreach (var partition in new[] { 0, 1 })
        {
            harness.ProduceTo(partition, transactions.Take(6_000).Where(t => PartitionOf(t) == partition));
        }
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == 6_000, "the first part scored", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromMilliseconds(options.IdleAfterMs + 500)); // both partitions quiet past the idle time

        // Partition 1's rest (last hour of the day, then the next day) lands a second before partition 0's: as when a
        // producer's per-partition requests reach the broker out of step, or a fetch brings one partition before another.
        var rest = transactions.Skip(6_000).ToList();
        rest.Where(t => PartitionOf(t) == 0).Should().Contain(t => MerchantDays.Of(t.TransDateTransTime) == MerchantDays.Of(transactions[5_999].TransDateTransTime),
            "partition 0 has rows of the first part's last day still to come");
        harness.ProduceTo(1, rest.Where(t => PartitionOf(t) == 1));
        await Task.Delay(TimeSpan.FromSeconds(1));
        harness.ProduceTo(0, rest.Where(t => PartitionOf(t) == 0));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == transactions.Count, "all scored", TimeSpan.FromSeconds(60));

        await Task.Delay(TimeSpan.FromMilliseconds(1_500)); // the stats' merchant progress is refreshed once a second
        stats.Merchant!.Partitions.Sum(p => p.LateTransactions).Should().Be(0, "no partition closed a day it still had rows of");
        var scored = harness.ReadScored(s => s.Count >= transactions.Count);
        ShouldScoreAsTheBacktest(scored, expected, "the stream scores as the backtest does");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_table_checkpoint_is_restored_only_for_the_schema_it_was_made_with(bool sameSchema)
    {
        using var harness = new ScoringHarness(partitions: 2, merchants: true);
        var store = harness.Store("cp");
        // A checkpoint holding a day the topic does not have: restored, the table keeps it; rebuilt, the day is gone.
        var saved = new MerchantTable(FeatureOptions.Default);
        saved.History.Set(new MerchantDay(7, 7000, new MerchantDayTotals { Transactions = 1 }));
        store.Save([saved.Snapshot("scoring", sameSchema ? FeatureSchema.Current.Version : "2.0.0+e3abe8e13541")]);
        harness.Kafka.CreateTopic(Topics.MerchantFeatures, 1);
        var day = new MerchantDay(8, 7001, new MerchantDayTotals { Transactions = 2, FirstGenuineAt = 1 });
        using (var producer = new Confluent.Kafka.ProducerBuilder<byte[], byte[]>(new Confluent.Kafka.ProducerConfig { BootstrapServers = harness.Kafka.BootstrapServers }).Build())
        {
            var message = new MerchantMessage(MerchantMessageKind.Table, 0, 1, 7001, 7002, true, [day]);
            await producer.ProduceAsync(new Confluent.Kafka.TopicPartition(Topics.MerchantFeatures, 0), new() { Key = [], Value = message.Encode() });
        }

        harness.StartMerchantTableReader(store, "scoring");
        var table = harness.MerchantTable!;
        await ScoringHarness.WaitUntilAsync(() => { table.ApplyPending(); return table.History.Get(8, 7001) is not null; }, "the topic's day read", TimeSpan.FromSeconds(30));

        table.History.Get(8, 7001).Should().Be(day.Totals);
        (table.History.Get(7, 7000) is not null).Should().Be(sameSchema, "another schema's checkpoint is not restored: the table is rebuilt from the topic");
    }

    [Fact]
    public async Task After_the_broker_loses_every_topic_the_stage_and_table_carry_on_from_their_checkpoints()
    {
        var transactions = Days().Take(9_000).ToList();
        using var first = new ScoringHarness(partitions: 4, merchants: true);
        var (_, models) = await first.ChampionAsync(ScoringModels.ModelM);
        var expected = TestTransactions.Offline(transactions, models.Current!);
        first.StartMerchantTableReader(first.Store("cp"), "scoring");
        var (_, stageRun, stopStage) = first.StartMerchantStage(first.Store("stage"));
        first.Produce(transactions.Take(6_000));
        var (consumer, stats) = first.Start(ScoringHarness.Options("scoring"), models, first.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == 6_000, "the first part scored", TimeSpan.FromSeconds(60));
        await first.StopAsync(consumer);
        await stopStage.CancelAsync();
        await stageRun.WaitAsync(TimeSpan.FromSeconds(30));

        // The development broker restarted: every topic is empty, the checkpoints point past their ends.
        using var second = new ScoringHarness(partitions: 4, merchants: true, directory: first.Directory);
        second.StartMerchantTableReader(second.Store("cp"), "scoring");
        var (stage, _, _) = second.StartMerchantStage(second.Store("stage"));
        second.Produce(transactions.Skip(6_000));
        var (_, stats2) = second.Start(ScoringHarness.Options("scoring"), models, second.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats2.Scored == 3_000, "the rest scored on the new broker", TimeSpan.FromSeconds(60));

        stage.PublishedDays.Should().BePositive("the stage reads the new log instead of taking it for a replay");
        var scored = second.ReadScored(s => s.Count >= 3_000);
        scored.Should().HaveCount(3_000);
        ShouldScoreAsTheBacktest(scored, expected, "card and merchant state carried on from the checkpoints");
    }

    [Fact]
    public async Task Stopped_while_rows_wait_for_the_table_a_restart_scores_them_as_the_backtest_does()
    {
        var transactions = Days().Take(6_000).ToList();
        using var harness = new ScoringHarness(partitions: 4, merchants: true);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelM);
        var expected = TestTransactions.Offline(transactions, models.Current!);
        var store = harness.Store("cp");
        harness.StartMerchantTableReader(store, "scoring");
        harness.Produce(transactions);

        // No stage yet: the table completes no day, so every transaction is featurized, folded in and held.
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, store);
        await ScoringHarness.WaitUntilAsync(() => consumer.MerchantWaits == transactions.Count, "every row held", TimeSpan.FromSeconds(60));
        await harness.StopAsync(consumer);
        stats.Scored.Should().Be(0);
        for (var partition = 0; partition < 4; partition++)
        {
            store.Load("scoring", Topics.Transactions, partition).Should().BeNull(
                "a partition whose state has folded in rows not yet scored is not checkpointed past them");
        }

        harness.StartMerchantStage(harness.Store("stage"));
        var (_, stats2) = harness.Start(ScoringHarness.Options("scoring"), models, store);
        await ScoringHarness.WaitUntilAsync(() => stats2.Scored == transactions.Count, "all scored after the restart", TimeSpan.FromSeconds(60));
        var scored = harness.ReadScored(s => s.Count >= transactions.Count);
        scored.Should().HaveCount(transactions.Count);
        ShouldScoreAsTheBacktest(scored, expected, "the restart rebuilt the state the held rows were featurized with");
    }

    [Fact]
    public async Task Without_the_merchant_stage_a_model_that_reads_merchant_features_is_refused()
    {
        using var harness = new ScoringHarness(partitions: 1);
        harness.Pipeline.Computes.IncludesGroup(FeatureGroups.Merchant).Should().BeFalse();
        var registry = await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "registry"), ScoringModels.ModelM);
        var loader = new OnnxModelLoader(computes: harness.Pipeline.Computes);
        var load = async () => loader.Load((await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!);
        (await load.Should().ThrowAsync<ModelSchemaMismatchException>()).WithMessage("*does not compute*merchant_tx_1d*");

        using var cardModel = loader.Load((await registry.RegisterAsync(ScoringModels.ModelA, new Dictionary<string, string>()))!);
        cardModel.Schema.IsSelectionOf(FeatureSchema.Current).Should().BeTrue();
        MerchantLink.Needs(cardModel.Schema).Should().BeFalse();
    }

    /// <summary>Every streamed score equals the backtest's; a failure says how many differ and on which days.</summary>
    private static void ShouldScoreAsTheBacktest(List<ScoredTransaction> scored, Dictionary<string, double> expected, string because)
    {
        var mismatched = scored.Where(s => Math.Abs(s.Score - expected[s.Transaction.TransNum]) > 1e-6).ToList();
        mismatched.Should().BeEmpty("{0} ({1} of {2} differ, on days {3})", because, mismatched.Count, scored.Count,
            string.Join(", ", mismatched.Select(m => MerchantDays.Format(MerchantDays.Of(m.Transaction.TransDateTransTime))).Distinct()));
    }
}
