using FraudDetection.Scoring.Graph;
using FraudDetection.Scoring.Graph.Sqlite;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.Graph;

/// <summary>The embedded graph's WAL is copied back beside the writer and still restarts: it stays bounded under continuous writes.</summary>
public class SqliteWalTests
{
    [Fact]
    public async Task The_wal_stays_bounded_under_continuous_writes_and_nothing_is_lost()
    {
        var directory = Directory.CreateTempSubdirectory("graph-wal-");
        try
        {
            var edges = GraphTestData.Edges(6000);
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
