using FraudDetection.Core.Transactions;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.Graph.Training;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>A prediction reads only edges before its snapshot: later edges, amounts and labels (its own included) never change it.</summary>
public class GraphPointInTimeTests
{
    private static readonly GraphTimeRules Rules = new() { SnapshotInterval = TimeSpan.FromHours(6), Lookback = TimeSpan.FromDays(14), LabelDelay = TimeSpan.FromDays(2) };

    private static GraphSageModel Model(TemporalGraph graph)
    {
        var shape = new GraphSageShape(GraphFeatures.NodeCount, GraphFeatures.EdgeCount, graph.Data.FeatureCount, Hidden1: 8, Hidden2: 4, ClassifierHidden: 6, Fanout1: 5, Fanout2: 5);
        var scalers = GraphScalers.Fit(graph, [.. Enumerable.Range(0, graph.Data.Rows)], 5, 500, seed: 1);
        return new GraphSageModel(shape, Rules, scalers, GraphSageTrainer.Initialize(new ParameterLayout(shape), 9), seed: 9, priorCorrection: 0, graph.Data.FeatureNames);
    }

    [Fact]
    public void Later_edges_amounts_and_labels_never_change_an_earlier_prediction()
    {
        var stream = GraphModelData.Stream(days: 30);
        var target = stream.Count / 2;
        var graph = new TemporalGraph(GraphDataset.Build(stream), Rules);
        var model = Model(graph);
        var before = model.Probability(graph, target);
        var embeddings = model.Embed(graph, [target]);

        // The future rewritten: every later transaction's amount and label, the target's own label, and new edges
        // (known and new merchants) appended after the end.
        var targetTime = stream[target].TransDateTransTime;
        var rewritten = stream.Select((tx, i) => i > target && tx.TransDateTransTime > targetTime
                ? tx with { Amt = tx.Amt * 3 + 1, IsFraud = 1 - tx.IsFraud }
                : i == target ? tx with { IsFraud = 1 - tx.IsFraud } : tx)
            .Concat(Enumerable.Range(0, 200).Select(k => stream[k % 50] with
            {
                TransDateTransTime = stream[^1].TransDateTransTime.AddMinutes(k + 1),
                Merchant = k % 2 == 0 ? "fraud_Merchant0" : "fraud_NewMerchant",
                TransNum = $"later-{k}",
                IsFraud = 1,
            }))
            .ToList();
        var later = new TemporalGraph(GraphDataset.Build(rewritten), Rules);

        later.SnapshotOf(target).Should().Be(graph.SnapshotOf(target));
        model.Probability(later, target).Should().Be(before);
        var laterEmbeddings = model.Embed(later, [target]);
        laterEmbeddings.Card(0).ToArray().Should().Equal(embeddings.Card(0).ToArray());
        laterEmbeddings.Merchant(0).ToArray().Should().Equal(embeddings.Merchant(0).ToArray());
    }

    [Fact]
    public void An_earlier_known_label_does_change_the_prediction()
    {
        // The test above could pass on a model that ignores the graph; this one fails on such a model.
        var stream = GraphModelData.Stream(days: 30);
        var target = stream.Count / 2;
        var graph = new TemporalGraph(GraphDataset.Build(stream), Rules);
        var model = Model(graph);
        var snapshot = graph.SnapshotOf(target);
        var merchant = stream[target].Merchant;
        // An edge of the same merchant whose label is known at the snapshot and inside the lookback.
        var earlier = Enumerable.Range(0, target).Last(i => stream[i].Merchant == merchant
            && graph.Data.Seconds[i] + (long)Rules.LabelDelay.TotalSeconds <= snapshot
            && graph.Data.Seconds[i] >= snapshot - (long)Rules.Lookback.TotalSeconds + 86_400);
        var flipped = stream.Select((tx, i) => i == earlier ? tx with { IsFraud = 1 - tx.IsFraud } : tx).ToList();
        var changed = new TemporalGraph(GraphDataset.Build(flipped), Rules);

        model.Embed(changed, [target]).Merchant(0).ToArray().Should().NotEqual(model.Embed(graph, [target]).Merchant(0).ToArray());
        model.Probability(changed, target).Should().NotBe(model.Probability(graph, target));
    }

    [Fact]
    public void A_transaction_never_sees_its_own_edge_or_the_rest_of_its_interval()
    {
        var stream = GraphModelData.Stream(days: 10);
        var graph = new TemporalGraph(GraphDataset.Build(stream), Rules);
        var rows = new int[50];
        var sampled = 0;
        for (var row = 0; row < stream.Count; row += 37)
        {
            var snapshot = graph.SnapshotOf(row);
            foreach (var type in new[] { NodeType.Card, NodeType.Merchant })
            {
                var n = graph.SampleEdges(type, graph.NodeOf(type, row), snapshot, rows.Length, 1, rows);
                rows.Take(n).All(r => graph.Data.Seconds[r] < snapshot && r < row).Should().BeTrue($"row {row}'s {type} neighbours are before {snapshot}");
                sampled += n;
            }
        }
        sampled.Should().BeGreaterThan(100);
    }
}
