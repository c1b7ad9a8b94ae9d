using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

/// <summary>The pipeline on real Kaggle rows (the first ~5,000 of fraudTrain.csv).</summary>
public class KaggleSliceFeatureTests
{
    private static readonly List<Transaction> Rows = TransactionCsv.ReadFile(
        Path.Combine(FeatureSchemaTests.RepoRoot(), "..", "shared", "data", "kaggle-slices", "fraudTrain.head.csv")).ToList();

    [Fact]
    public void Real_rows_give_finite_features_and_known_categories()
    {
        Rows.Should().HaveCountGreaterThan(5000);
        var matrix = FeatureMatrix.Build(Rows);

        matrix.Rows.Should().Be(Rows.Count);
        matrix.Values.AsSpan(0, matrix.Rows * matrix.Columns).ToArray().Should().OnlyContain(v => float.IsFinite(v));
        Enumerable.Range(0, matrix.Rows).Select(i => matrix.Row(i)[Col("category")])
            .Should().OnlyContain(c => c >= 0 && c < 14, "every Kaggle category is in the fixed list");
        matrix.Labels.Take(matrix.Rows).Count(l => l == 1).Should().Be(Rows.Count(r => r.IsFraud == 1));
    }

    [Fact]
    public void Real_rows_are_point_in_time_and_partition_independent()
    {
        var full = FeatureMatrix.Build(Rows);
        foreach (var cut in new[] { 100, 2500, Rows.Count - 1 })
        {
            var prefix = new OnlineFeatureState();
            FeatureMatrix.Prime(prefix, Rows.Take(cut));
            FeaturesOf(prefix, Rows[cut]).Should().Equal(full.Row(cut).ToArray());
        }

        // Card features per partition (merchant features go through the merchant stage: MerchantFeatureTests).
        var cards = FeatureMatrix.Build(Rows, new OnlineFeatureState(selection: CardOnly));
        var byId = Enumerable.Range(0, cards.Rows).ToDictionary(i => cards.TransactionIds[i], i => cards.Row(i).ToArray());
        foreach (var partition in Rows.GroupBy(t => t.CcNum % 3))
        {
            foreach (var (id, row) in Replay(partition, new OnlineFeatureState(selection: CardOnly))) row.Where((_, c) => CardOnly.Columns.Contains(c)).Should().Equal(byId[id]);
        }
    }
}

public class FeatureBenchmarkTests
{
    [Fact]
    public void Benchmark_reports_what_it_ran_on_and_prints_it()
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
}
