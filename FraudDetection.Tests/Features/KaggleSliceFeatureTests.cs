using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

/// <summary>The pipeline on real Kaggle rows (the first ~5,000 of fraudTrain.csv).</summary>
public class KaggleSliceFeatureTests
{
    private static readonly List<Transaction> Rows = TransactionCsv.ReadFile(
        RepoPaths.KaggleSlice("fraudTrain.head.csv")).ToList();

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
