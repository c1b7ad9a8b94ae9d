using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Tests.Registry;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Training;
using FraudDetection.Training.GraphModel;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary><c>graph-ablation</c> on a training period and a later test period made in code.</summary>
public sealed class GraphAblationTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-graph-ablation");

    public void Dispose() => _temp.Dispose();

    [Fact]
    [Trait("Category", "Integration")]
    public void The_ablation_measures_four_models_on_the_same_later_period()
    {
        var stream = GraphModelData.Stream(days: 50);
        var testFrom = GraphModelData.Start.AddDays(40);
        var train = Path.Combine(_temp.Path, "train.csv");
        var test = Path.Combine(_temp.Path, "test.csv");
        TransactionCsv.WriteFile(train, stream.Where(t => t.TransDateTransTime < testFrom));
        TransactionCsv.WriteFile(test, stream.Where(t => t.TransDateTransTime >= testFrom));
        var testRows = stream.Count(t => t.TransDateTransTime >= testFrom);
        var testFrauds = stream.Count(t => t.TransDateTransTime >= testFrom && t.IsFraud == 1);
        var lines = new List<string>();

        var rows = GraphAblation.Run(new GraphAblationRequest([train], [test])
        {
            ValidationWindow = TimeSpan.FromDays(10),
            NegativesPerFraud = 0,
            // Labels known a day later, so the ten-day compromises are visible to the graph for most of their length.
            FeatureOptions = FeatureOptions.Default with { LabelDelay = TimeSpan.FromDays(1) },
            Threads = 2,
            Graph = new GraphSageOptions
            {
                Hidden1 = 8, Hidden2 = 4, ClassifierHidden = 8, Fanout1 = 4, Fanout2 = 4, Epochs = 3, BatchSize = 32, LearningRate = 0.01,
                TimeRules = new GraphTimeRules { SnapshotInterval = TimeSpan.FromHours(12) },
            },
        }, lines.Add);

        rows.Select(r => r.Model).Should().Equal(GraphAblation.LightGbm, GraphAblation.GraphAlone, GraphAblation.LightGbmEmbeddings, GraphAblation.LightGbmNodeStatistics);
        rows.Should().OnlyContain(r => r.Test.Rows == testRows && r.Test.Frauds == testFrauds && r.Validation.Rows == 10 * 90);
        rows.Should().OnlyContain(r => r.Test.AveragePrecision >= 0 && r.Test.AveragePrecision <= 1 && r.Test.Balanced1To1 != null && r.CpuSeconds > 0);
        rows[2].Inputs.Should().EndWith("+ 8 embedding dimensions");
        rows[1].Test.AveragePrecision.Should().BeGreaterThan(2.0 * testFrauds / testRows, "the graph model sees the compromised merchants");
        lines.Should().Contain(l => l.Contains("graph epoch 1/3"));
    }
}
