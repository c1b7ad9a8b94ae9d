using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Model;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>Node and edge features, sampling and the built neighbourhood on a tiny hand-made graph.</summary>
public class GraphFeatureTests
{
    private static readonly DateTime Day0 = new(2020, 1, 1);

    /// <summary>
    /// Two cards, two merchants, four transactions; the last one (card 0 at merchant 0 on day 2, 15:00) is predicted
    /// from the graph as it was at day 2, 00:00. Label delay one day.
    /// </summary>
    private static TemporalGraph Tiny(out GraphDataset data)
    {
        data = new GraphDataset(
            featureNames: ["amt"],
            featureValues: [10, 100, 20, 30],
            times: [Day0.AddHours(10), Day0.AddHours(12), Day0.AddDays(1).AddHours(9), Day0.AddDays(2).AddHours(15)],
            cards: [0, 1, 0, 0],
            merchants: [0, 0, 1, 0],
            amounts: [10, 100, 20, 30],
            categories: [0, 0, 1, 0],
            labels: [0, 1, 0, 0]);
        return new TemporalGraph(data, new GraphTimeRules { SnapshotInterval = TimeSpan.FromDays(1), Lookback = TimeSpan.FromDays(28), LabelDelay = TimeSpan.FromDays(1) });
    }

    private static readonly long Snapshot = Day0.AddDays(2).Ticks / TimeSpan.TicksPerSecond;

    [Fact]
    public void A_row_is_predicted_from_the_start_of_its_refresh_interval()
    {
        var graph = Tiny(out _);
        graph.SnapshotOf(3).Should().Be(Snapshot);
        graph.SnapshotOf(0).Should().Be(Day0.Ticks / TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void Merchant_features_at_a_snapshot_match_hand_computed_values()
    {
        var graph = Tiny(out _);
        var x = new double[GraphFeatures.NodeCount];
        graph.NodeFeatures<double>(NodeType.Merchant, 0, Snapshot, x);

        double a = Math.Log(11), b = Math.Log(101);
        double[] expected =
        [
            1,                  // has history
            Math.Log(3),        // two edges before day 2
            0,                  // none on day 1
            Math.Log(3),        // both in the last 7 days
            Math.Log(3),        // both in the lookback
            (a + b) / 2,        // mean ln(1 + amount)
            Math.Abs(b - a) / 2,// its std
            0,                  // no night transaction
            Math.Log(2.5),      // last edge 1.5 days before
            Math.Log(2),        // one known fraud (day 0, 12:00 + 1 day ≤ day 2)
            0.5,                // one of the two known labels is a fraud
            Math.Log(2),
            0.5,                // known labels of the day before day 1 (s − delay): the same two
            Math.Log(2),
            0.5,                // and of the 7 days before it
            Math.Log(2),
        ];
        x.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // Amounts are held as float: 1e-6 for what derives from them.
            x[i].Should().BeApproximately(expected[i], 1e-6, GraphFeatures.NodeNames[i]);
        }
    }

    [Fact]
    public void Card_features_count_a_label_only_once_it_is_known()
    {
        var graph = Tiny(out _);
        var x = new double[GraphFeatures.NodeCount];
        graph.NodeFeatures<double>(NodeType.Card, 0, Snapshot, x);

        x[1].Should().BeApproximately(Math.Log(3), 1e-12);
        x[2].Should().BeApproximately(Math.Log(2), 1e-12, "one edge on day 1");
        x[5].Should().BeApproximately((Math.Log(11) + Math.Log(21)) / 2, 1e-6);
        x[8].Should().BeApproximately(Math.Log(1 + 15.0 / 24), 1e-12, "last edge 15 hours before");
        x[9].Should().Be(0, "no fraud among the known labels");
        x[10].Should().Be(0);

        // Card 1's only edge is the fraud of day 0, 12:00: unknown at day 1, 00:00, known at day 2, 00:00.
        graph.NodeFeatures<double>(NodeType.Card, 1, Snapshot - 86_400, x);
        x[9].Should().Be(0);
        graph.NodeFeatures<double>(NodeType.Card, 1, Snapshot, x);
        x[9].Should().BeApproximately(Math.Log(2), 1e-12);
    }

    [Fact]
    public void Edge_features_are_seen_from_the_snapshot()
    {
        var graph = Tiny(out _);
        var e = new double[GraphFeatures.EdgeCount];
        graph.EdgeFeatures<double>(1, Snapshot, e);
        e[0].Should().BeApproximately(Math.Log(101), 1e-6);
        e[1].Should().BeApproximately(0, 1e-12, "12:00 is half the day");
        e[2].Should().BeApproximately(-1, 1e-12);
        e[3].Should().Be(0);
        e[4].Should().BeApproximately(Math.Log(2.5), 1e-12, "1.5 days old");
        e[5].Should().Be(1, "known: day 0, 12:00 + 1 day ≤ day 2");
        e[6].Should().Be(1, "and a fraud");
        e[7].Should().Be(1, "category 0");
        e.Skip(8).Should().OnlyContain(v => v == 0);

        graph.EdgeFeatures<double>(2, Snapshot, e);
        e[5].Should().Be(0, "day 1, 09:00 + 1 day is after day 2, 00:00");
        e[6].Should().Be(0);
        e[8].Should().Be(1, "category 1");
    }

    [Fact]
    public void The_neighbourhood_of_a_row_holds_only_edges_before_its_snapshot()
    {
        var graph = Tiny(out _);
        var shape = new GraphSageShape(GraphFeatures.NodeCount, GraphFeatures.EdgeCount, 1, Hidden1: 4, Hidden2: 2, ClassifierHidden: 3, Fanout1: 10, Fanout2: 10);
        var builder = new NeighbourhoodBuilder(graph, shape, GraphScalers.Identity(shape), seed: 1);
        var ws = new Workspace<double>(shape);

        builder.Fill(ws, 3, NeighbourhoodBuilder.InferencePass);

        ws.Neighbours.Should().Equal([2, 2], "card 0 has rows 0 and 2 before day 2; merchant 0 has rows 0 and 1; row 3 itself is not there");
        var x = new double[GraphFeatures.NodeCount];
        graph.NodeFeatures<double>(NodeType.Card, 0, Snapshot, x);
        Close(ws.Input1(0, 0)[..x.Length].ToArray(), x);
        // The card's layer-1 message: the mean of (merchant 0 ‖ edge 0) and (merchant 1 ‖ edge 2).
        var m0 = Message(graph, NodeType.Merchant, 0, 0);
        var m1 = Message(graph, NodeType.Merchant, 1, 2);
        Close(ws.Input1(0, 0)[x.Length..].ToArray(), [.. m0.Zip(m1, (p, q) => (p + q) / 2)]);
        // The card's neighbours are the two merchants (ascending row order), the merchant's the two cards.
        graph.NodeFeatures<double>(NodeType.Merchant, 0, Snapshot, x);
        Close(ws.Input1(0, 1)[..x.Length].ToArray(), x);
        graph.NodeFeatures<double>(NodeType.Card, 1, Snapshot, x);
        Close(ws.Input1(1, 2)[..x.Length].ToArray(), x);
        ws.TransactionFeatures[0].Should().Be(30);
    }

    [Fact]
    public void Sampling_takes_distinct_edges_in_the_lookback_deterministically()
    {
        // One card, 60 edges a day apart; at day 60 the lookback of 28 days holds days 32..59.
        var times = Enumerable.Range(0, 61).Select(d => Day0.AddDays(d).AddHours(12)).ToArray();
        var data = new GraphDataset(["amt"], new float[61], times, new int[61], [.. Enumerable.Range(0, 61).Select(i => i % 5)],
            new float[61], new sbyte[61], new sbyte[61]);
        var graph = new TemporalGraph(data, new GraphTimeRules());
        var snapshot = graph.SnapshotOf(60);
        var rows = new int[10];
        var again = new int[10];
        var other = new int[10];

        graph.SampleEdges(NodeType.Card, 0, snapshot, 10, 42, rows).Should().Be(10);
        graph.SampleEdges(NodeType.Card, 0, snapshot, 10, 42, again);
        graph.SampleEdges(NodeType.Card, 0, snapshot, 10, 43, other);

        rows.Should().OnlyHaveUniqueItems().And.BeInAscendingOrder().And.OnlyContain(r => r >= 32 && r <= 59);
        again.Should().Equal(rows);
        other.Should().NotEqual(rows);
        var all = new int[40];
        graph.SampleEdges(NodeType.Card, 0, snapshot, 40, 42, all).Should().Be(28, "fewer edges than the fan-out: all of them");
        all.Take(28).Should().Equal(Enumerable.Range(32, 28));
    }

    /// <summary>Node features are cached as float: equal to the double computation up to float rounding.</summary>
    private static void Close(double[] actual, double[] expected)
    {
        actual.Should().HaveCount(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            actual[i].Should().BeApproximately(expected[i], 1e-6 * Math.Max(1, Math.Abs(expected[i])));
        }
    }

    private static double[] Message(TemporalGraph graph, NodeType type, int node, int row)
    {
        var x = new double[GraphFeatures.NodeCount];
        var e = new double[GraphFeatures.EdgeCount];
        graph.NodeFeatures<double>(type, node, Snapshot, x);
        graph.EdgeFeatures<double>(row, Snapshot, e);
        return [.. x, .. e];
    }
}
