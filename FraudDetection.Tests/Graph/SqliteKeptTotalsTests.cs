using FraudDetection.Graph.Sqlite;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.Graph;

/// <summary>
/// The embedded graph keeps its totals and per-merchant figures as edges are written, so the overview's reads cost the
/// same at any graph size. Held here against a count over the edges themselves, through inserts, re-deliveries that
/// change an edge (its merchant included) and deletes.
/// </summary>
public class SqliteKeptTotalsTests
{
    private const string CountedTotals = "SELECT COUNT(*) FROM cards";

    private const string KeptTotals = "SELECT cards FROM graph_totals";

    private const string CountedByMerchant = """
        SELECT m.id, COUNT(e.id), ROUND(COALESCE(SUM(e.amt), 0), 6), COALESCE(SUM(e.is_alert), 0),
               COALESCE(SUM(e.is_fraud IS 1), 0), COALESCE(SUM(e.is_fraud IS 0), 0)
        FROM merchants m LEFT JOIN edges e ON e.merchant_id = m.id GROUP BY m.id ORDER BY m.id
        """;

    // A sum taken back to nothing may read -0 (+ 0.0 makes it 0); the overview lists no merchant without transactions.
    private const string KeptByMerchant = """
        SELECT merchant_id, transactions, ROUND(total_amount, 6) + 0.0, alerts, labelled_fraud, labelled_genuine FROM merchant_totals
        ORDER BY merchant_id
        """;

    [Fact]
    public async Task Kept_totals_equal_a_count_over_the_edges_after_inserts_changes_moves_and_deletes()
    {
        var directory = Directory.CreateTempSubdirectory("graph-totals-");
        try
        {
            var file = Path.Combine(directory.FullName, "graph.db");
            var edges = GraphTestData.Edges(400);
            var merchants = edges.Select(e => e.Merchant).Distinct().ToList();
            merchants.Should().HaveCountGreaterThan(2);
            await using (var store = new SqliteGraphStore(file))
            {
                await store.WriteAsync(edges);
                AssertKeptEqualCounted(file);
                var beforeChange = SqliteFiles.Rows(file, KeptByMerchant);

                // Re-delivered changed: alert flipped, label changed, amount corrected, and every fifth moved to another merchant.
                var changed = edges.Where((_, i) => i % 4 == 0).Select((e, i) => e with
                {
                    IsAlert = !e.IsAlert,
                    IsFraud = e.IsFraud is 1 ? 0 : 1,
                    Amt = e.Amt * 2,
                    Merchant = i % 5 == 0 ? merchants[(merchants.IndexOf(e.Merchant) + 1) % merchants.Count] : e.Merchant,
                }).ToList();
                await store.WriteAsync(changed);
                SqliteFiles.Rows(file, KeptByMerchant).Should().NotEqual(beforeChange, "the changes move the merchants' figures");
                AssertKeptEqualCounted(file);
            }
            SqliteConnection.ClearAllPools();

            SqliteFiles.Execute(file, "DELETE FROM edges WHERE id % 3 = 0").Should().BePositive();
            AssertKeptEqualCounted(file);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static void AssertKeptEqualCounted(string file)
    {
        SqliteFiles.Rows(file, KeptTotals).Should().Equal(SqliteFiles.Rows(file, CountedTotals));
        SqliteFiles.Rows(file, KeptByMerchant).Should().Equal(SqliteFiles.Rows(file, CountedByMerchant));
    }
}
