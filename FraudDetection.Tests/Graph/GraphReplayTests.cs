using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Graph.Store;
using FraudDetection.Tests.Core;
using FraudDetection.Tests.Dashboards;

namespace FraudDetection.Tests.Graph;

/// <summary>A replay through the running system (Producer → Scoring → graph sink): the graph is the scored topic, exactly.</summary>
[Trait("Category", "Integration")]
public class GraphReplayTests
{
    [Fact]
    public async Task After_a_replay_the_graph_holds_one_edge_per_scored_transaction_and_answers_what_a_direct_count_gives()
    {
        await using var system = new ServiceHosts();
        var replay = Path.Combine(system.DataDirectory, "replay.csv");
        var rows = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).Take(800).ToList();
        TransactionCsv.WriteFile(replay, rows);
        system.ProducerSettings["Producer:File"] = replay;
        system.ProducerSettings["Producer:Rate"] = "1000";
        system.ProducerSettings["Producer:Loop"] = "false";
        await system.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri("http://" + system.Targets["graph"]) };

        // Everything Scoring emitted, read back from the topic (the unreadable message the harness adds is not a ScoredTransaction).
        List<ScoredTransaction> scored = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        GraphTotals? totals = null;
        while (DateTime.UtcNow < deadline)
        {
            scored = ReadScored(system.Kafka.BootstrapServers);
            totals = await http.GetFromJsonAsync<GraphTotals>("/api/graph/totals");
            if (scored.Count >= rows.Count && totals!.Transactions == scored.Select(s => s.Transaction.TransNum).Distinct().Count())
            {
                break;
            }
            await Task.Delay(500);
        }

        scored.Select(s => s.Transaction.TransNum).Distinct().Should().BeEquivalentTo(rows.Select(r => r.TransNum), "every replayed row was scored");
        var expected = new ExpectedGraph(scored.Select(GraphEdge.From).ToList());
        totals.Should().Be(expected.Totals(), "one edge per scored transaction");
        (await http.GetFromJsonAsync<FraudCounts>("/api/graph/fraud/counts")).Should().Be(expected.FraudCounts());
        (await http.GetFromJsonAsync<List<MerchantFraud>>("/api/graph/fraud/by-merchant?limit=20")).Should().Equal(expected.FraudByMerchant(20));
        (await http.GetFromJsonAsync<List<AmountBin>>("/api/graph/amounts/distribution")).Should().Equal(expected.AmountDistribution(50, 1000));
        (await http.GetFromJsonAsync<List<GraphTransaction>>("/api/graph/transactions/latest?limit=50")).Should().Equal(expected.Latest(50));
        (await http.GetFromJsonAsync<List<MerchantVolume>>("/api/graph/merchants/by-volume?limit=10"))!.Select(m => (m.Merchant, m.Transactions))
            .Should().Equal(expected.MerchantsByVolume(10).Select(m => (m.Merchant, m.Transactions)));
    }

    private static List<ScoredTransaction> ReadScored(string bootstrapServers)
    {
        using var reader = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "graph-replay-reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        reader.Assign(Enumerable.Range(0, 4).Select(p => new TopicPartitionOffset(Topics.Scored, p, Offset.Beginning)));
        var ends = Enumerable.Range(0, 4).ToDictionary(p => p, p => reader.QueryWatermarkOffsets(new TopicPartition(Topics.Scored, p), TimeSpan.FromSeconds(5)).High.Value);
        var scored = new List<ScoredTransaction>();
        var done = ends.Where(e => e.Value == 0).Select(e => e.Key).ToHashSet();
        var until = DateTime.UtcNow.AddSeconds(10);
        while (done.Count < 4 && DateTime.UtcNow < until)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
            {
                continue;
            }
            try
            {
                if (JsonSerializer.Deserialize(result.Message.Value, FraudJsonContext.Default.ScoredTransaction) is { } s)
                {
                    scored.Add(s);
                }
            }
            catch (JsonException)
            {
            }
            if (result.Offset.Value + 1 >= ends[result.Partition.Value])
            {
                done.Add(result.Partition.Value);
            }
        }
        return scored;
    }
}
