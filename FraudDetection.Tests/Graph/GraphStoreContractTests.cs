using FluentAssertions.Equivalency;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Neo4j;

namespace FraudDetection.Tests.Graph;

/// <summary>Both stores, same contract: one edge per transaction under re-delivery, and every query equal to a direct count.</summary>
public class GraphStoreContractTests
{
    public static TheoryData<string> Stores() => GraphStoreFactory.Stores();

    private static EquivalencyAssertionOptions<T> Exactly<T>(EquivalencyAssertionOptions<T> options) => options
        .WithStrictOrdering()
        .Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-6 * Math.Max(1, Math.Abs(c.Expectation))))
        .WhenTypeIs<double>();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Replay_with_redelivery_keeps_one_edge_per_transaction_and_every_query_matches_a_direct_count(string kind)
    {
        await using var sut = await GraphStoreFactory.CreateAsync(kind);
        var edges = GraphTestData.Edges(1500);
        var delivered = new List<GraphEdge>();
        foreach (var batch in GraphTestData.BatchesWithRedelivery(edges, 200))
        {
            await sut.Store.WriteAsync(batch);
            delivered.AddRange(batch);
        }
        delivered.Count.Should().BeGreaterThan(edges.Count, "the replay re-delivers some edges");
        var expected = new ExpectedGraph(delivered);
        var store = sut.Store;

        (await store.TotalsAsync()).Should().Be(expected.Totals());
        (await store.TotalsAsync()).Transactions.Should().Be(edges.Select(e => e.TransNum).Distinct().Count());

        (await store.LatestTransactionsAsync(25)).Should().BeEquivalentTo(expected.Latest(25), Exactly);
        (await store.MerchantsByVolumeAsync(15)).Should().BeEquivalentTo(expected.MerchantsByVolume(15), Exactly);
        (await store.FraudCountsAsync()).Should().Be(expected.FraudCounts());
        (await store.FraudByMerchantAsync(20)).Should().BeEquivalentTo(expected.FraudByMerchant(20), Exactly);
        (await store.AmountDistributionAsync(50, 1000)).Should().BeEquivalentTo(expected.AmountDistribution(50, 1000), Exactly);
        (await store.AmountDistributionAsync(25, 310)).Should().BeEquivalentTo(expected.AmountDistribution(25, 310), Exactly);
        (await store.FraudGeoPointsAsync(100)).Should().BeEquivalentTo(expected.FraudGeoPoints(100), Exactly);

        var expectedCounts = expected.FraudCounts();
        expectedCounts.Alerts.Should().BeGreaterThan(0, "the data must exercise the fraud queries");
        expectedCounts.LabelledFraud.Should().BeGreaterThan(0);

        var times = edges.Select(e => e.Ts).Order().ToList();
        var window = new GraphWindow(GraphEdge.FromTs(times[times.Count / 4]), GraphEdge.FromTs(times[3 * times.Count / 4]));
        foreach (var w in new[] { window, GraphWindow.All })
        {
            (await store.MerchantsSharedByAlertedCardsAsync(w, 2, 50)).Should().BeEquivalentTo(expected.SharedMerchants(w, 2, 50), Exactly);
            (await store.MerchantsSharedByAlertedCardsAsync(w, 1, 50)).Should().BeEquivalentTo(expected.SharedMerchants(w, 1, 50), Exactly);
            (await store.ImpossibleTravelAsync(w, 900, 100)).Should().BeEquivalentTo(expected.ImpossibleTravel(w, 900, 100), Exactly);
        }
        expected.ImpossibleTravel(GraphWindow.All, 900, 100).Should().NotBeEmpty("the data must exercise the travel query");
        expected.SharedMerchants(GraphWindow.All, 1, 50).Should().NotBeEmpty();

        var busiest = edges.GroupBy(e => e.CcNum).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        var alerted = edges.First(e => e.IsAlert).CcNum;
        foreach (var card in new[] { busiest, alerted })
        {
            foreach (var w in new[] { window, GraphWindow.All })
            {
                var neighbourhood = await store.CardNeighbourhoodAsync(card, w);
                neighbourhood.Should().BeEquivalentTo(expected.Neighbourhood(card, w), Exactly);
            }
        }
        (await store.CardNeighbourhoodAsync(42, GraphWindow.All)).Should().BeNull();

        if (store is Neo4jGraphStore neo4j)
        {
            // The Graph dashboard's panels run as Grafana would run them; the KB panels have rows on this data.
            foreach (var (panel, cypher) in CypherStatements.GrafanaPanels)
            {
                var result = await neo4j.RunAsync(cypher, new Dictionary<string, object?>());
                if (panel is not ("MerchantsSharedByAlertedCards" or "ImpossibleTravel"))
                {
                    result.Count.Should().BePositive(panel);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Rescored_and_relabelled_edges_move_every_total_with_them(string kind)
    {
        await using var sut = await GraphStoreFactory.CreateAsync(kind);
        var edges = GraphTestData.Edges(300);
        await sut.Store.WriteAsync(edges);
        // Every third edge again, its alert flipped, its label changed (unknown → fraud → genuine → unknown) and its
        // amount corrected: each total the overview reads must follow.
        var changed = edges.Where((_, i) => i % 3 == 0).Select((e, i) => e with
        {
            IsAlert = !e.IsAlert,
            IsFraud = e.IsFraud switch { null => 1, 1 => 0, _ => null },
            Amt = i % 2 == 0 ? e.Amt + 100 : e.Amt,
            Score = 1 - e.Score,
        }).ToList();
        await sut.Store.WriteAsync(changed);

        var expected = new ExpectedGraph([.. edges, .. changed]);
        expected.FraudCounts().Should().NotBe(new ExpectedGraph(edges).FraudCounts(), "the change moves the counts");
        (await sut.Store.TotalsAsync()).Should().Be(expected.Totals());
        (await sut.Store.FraudCountsAsync()).Should().Be(expected.FraudCounts());
        (await sut.Store.FraudByMerchantAsync(50)).Should().BeEquivalentTo(expected.FraudByMerchant(50), Exactly);
        (await sut.Store.MerchantsByVolumeAsync(50)).Should().BeEquivalentTo(expected.MerchantsByVolume(50), Exactly);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_redelivered_edge_takes_the_new_score_and_nodes_keep_their_first_properties(string kind)
    {
        await using var sut = await GraphStoreFactory.CreateAsync(kind);
        var first = GraphTestData.Edges(1)[0];
        await sut.Store.WriteAsync([first]);
        var rescored = first with { Score = 0.99, IsAlert = true, ModelVersion = "v-next", City = "Elsewhere" };
        await sut.Store.WriteAsync([rescored, rescored]);

        (await sut.Store.TotalsAsync()).Should().Be(new GraphTotals(1, 1, 1));
        var latest = (await sut.Store.LatestTransactionsAsync(10)).Should().ContainSingle().Subject;
        latest.Score.Should().Be(0.99);
        latest.IsAlert.Should().BeTrue();
        latest.ModelVersion.Should().Be("v-next");
        latest.Card.Should().Be("****" + first.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture)[^4..]);
        (await sut.Store.CardNeighbourhoodAsync(first.CcNum, GraphWindow.All))!.City.Should().Be(first.City);
    }
}
