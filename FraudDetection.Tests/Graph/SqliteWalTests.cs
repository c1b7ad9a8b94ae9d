using FraudDetection.Graph.Store;
using FraudDetection.Graph.Sqlite;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.Graph;

/// <summary>The embedded graph's writer: its WAL is copied back beside it and still restarts (bounded under continuous
/// writes), and a failed batch leaves nothing behind, nodes included.</summary>
public class SqliteWalTests
{
    [Fact]
    public async Task The_wal_stays_bounded_under_continuous_writes_and_nothing_is_lost()
    {
        var directory = Directory.CreateTempSubdirectory("graph-wal-");
        try
        {
            // 64 commits: even when the checkpointer thread never runs (a starved CPU), the writer measures the WAL
            // itself every 16 commits, so the WAL restarts at least three times.
            var edges = GraphTestData.Edges(12_800);
            // The same writes with and without the writer's catch-up: the WAL file keeps its largest extent, so
            // without restarts it holds every frame ever written.
            var bounded = await WriteAsync(Path.Combine(directory.FullName, "bounded.db"), edges, checkpointPages: 64);
            var unbounded = await WriteAsync(Path.Combine(directory.FullName, "unbounded.db"), edges, checkpointPages: int.MaxValue);

            bounded.Database.Should().BeGreaterThan(4096, "the checkpoints copied the graph into the database file");
            bounded.Wal.Should().BeLessThan(unbounded.Wal / 2, "the WAL restarts instead of growing with every batch");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_batch_that_fails_midway_leaves_nothing_and_its_new_card_and_merchant_are_written_with_the_next_one()
    {
        var directory = Directory.CreateTempSubdirectory("graph-rollback-");
        try
        {
            var file = Path.Combine(directory.FullName, "graph.db");
            var edges = GraphTestData.Edges(50);
            var fresh = edges[^1] with { CcNum = 4_000_000_000_000_001, Merchant = "fraud_New Merchant" };
            await using (var store = new SqliteGraphStore(file))
            {
                await store.WriteAsync(edges.Take(10).ToList());
                // The fresh card, merchant and edge are written first, then an edge breaks the batch (as a full disk would).
                var broken = new List<GraphEdge> { fresh, edges[20] with { Merchant = null! } };
                var write = () => store.WriteAsync(broken);
                await write.Should().ThrowAsync<ArgumentNullException>();
                (await store.TotalsAsync()).Transactions.Should().Be(10, "the failed batch left no edge");

                await store.WriteAsync([fresh]);
                (await store.TotalsAsync()).Should().Be(new GraphTotals(
                    edges.Take(10).Append(fresh).Select(e => e.CcNum).Distinct().Count(),
                    edges.Take(10).Append(fresh).Select(e => e.Merchant).Distinct().Count(),
                    11));
            }
            SqliteConnection.ClearAllPools();

            // Every edge has its card and merchant: the writer's own bookkeeping stood in for the foreign-key check.
            await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            await connection.OpenAsync();
            await using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA foreign_key_check";
            (await check.ExecuteScalarAsync()).Should().BeNull("no edge points at a missing card or merchant");
            check.CommandText = "SELECT COUNT(*) FROM transactions WHERE cc_num = 4000000000000001 AND merchant = 'fraud_New Merchant'";
            Convert.ToInt64(await check.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture).Should().Be(1);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_trickle_of_commits_is_checkpointed_about_once_a_second_and_a_lone_one_still_is()
    {
        var directory = Directory.CreateTempSubdirectory("graph-trickle-");
        var connectionString = $"Data Source={Path.Combine(directory.FullName, "graph.db")};Pooling=False";
        try
        {
            await using var writer = new SqliteConnection(connectionString);
            await writer.OpenAsync();
            await using (var setup = writer.CreateCommand())
            {
                setup.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE t(x INTEGER)";
                await setup.ExecuteNonQueryAsync();
            }
            using var checkpointer = new SqliteWalCheckpointer(connectionString, SqliteWalCheckpointer.DefaultWriterCatchUpPages);

            // 20 small commits 100 ms apart, a trickle (each one checkpointed before: 20).
            var started = DateTime.UtcNow;
            for (var i = 0; i < 20; i++)
            {
                await Insert(writer, i);
                checkpointer.Committed(writer);
                await Task.Delay(100);
            }
            var seconds = (DateTime.UtcNow - started).TotalSeconds;
            checkpointer.Checkpoints.Should().BeInRange(1, (long)Math.Ceiling(seconds / SqliteWalCheckpointer.TrickleInterval.TotalSeconds) + 1,
                "a trickle is checkpointed at most once per interval");

            // One more commit, then nothing: it is checkpointed anyway, within the interval.
            await Task.Delay(SqliteWalCheckpointer.TrickleInterval);
            var before = checkpointer.Checkpoints;
            await Insert(writer, 20);
            checkpointer.Committed(writer);
            await Until(() => checkpointer.Checkpoints > before);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }

        static async Task Insert(SqliteConnection writer, int value)
        {
            await using var insert = writer.CreateCommand();
            insert.CommandText = $"INSERT INTO t VALUES ({value})";
            await insert.ExecuteNonQueryAsync();
        }

        static async Task Until(Func<bool> condition)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!condition())
            {
                DateTime.UtcNow.Should().BeBefore(deadline);
                await Task.Delay(20);
            }
        }
    }

    private static async Task<(long Wal, long Database)> WriteAsync(string file, IReadOnlyList<GraphEdge> edges, int checkpointPages)
    {
        await using var store = new SqliteGraphStore(file, checkpointPages);
        for (var i = 0; i < edges.Count; i += 200)
        {
            await store.WriteAsync(edges.Skip(i).Take(200).ToList());
        }
        (await store.TotalsAsync()).Transactions.Should().Be(edges.Count);
        return (new FileInfo(file + "-wal").Length, new FileInfo(file).Length);
    }
}
