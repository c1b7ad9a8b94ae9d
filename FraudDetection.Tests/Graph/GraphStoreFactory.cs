using FraudDetection.Graph.Extensions;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Neo4j;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Graph;

/// <summary>
/// The stores the graph contract tests run against: always the embedded SQLite store; also a real Neo4j when the
/// environment variable <c>ConnectionStrings__neo4j</c> is set (then those cases exist and run; otherwise they are
/// simply not generated, so nothing is ever skipped).
/// </summary>
public static class GraphStoreFactory
{
    public const string Sqlite = "sqlite";
    public const string Neo4j = "neo4j";
    public const string Neo4jVariable = "ConnectionStrings__neo4j";

    public static string? RealNeo4j => Environment.GetEnvironmentVariable(Neo4jVariable) is { Length: > 0 } value ? value : null;

    public static TheoryData<string> Stores()
    {
        var stores = new TheoryData<string> { Sqlite };
        if (RealNeo4j is not null)
        {
            stores.Add(Neo4j);
        }
        return stores;
    }

    /// <summary>An empty store; disposing it removes what the test wrote (the SQLite file, or the whole Neo4j graph).</summary>
    public static async Task<StoreUnderTest> CreateAsync(string kind)
    {
        var directory = Directory.CreateTempSubdirectory("graph-test-");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FraudDetection:DataDirectory"] = directory.FullName,
            ["ConnectionStrings:neo4j"] = kind == Neo4j ? RealNeo4j : null,
        });
        builder.Services.AddOptions<GraphOptions>();
        builder.AddGraphStore();
        var host = builder.Build();
        var store = host.Services.GetRequiredService<IGraphStore>();
        if (store is Neo4jGraphStore neo4j)
        {
            await neo4j.RunAsync(CypherStatements.DeleteGraph, new Dictionary<string, object?>());
        }
        await store.EnsureSchemaAsync();
        return new StoreUnderTest(store, host, directory);
    }
}

public sealed class StoreUnderTest(IGraphStore store, IHost host, DirectoryInfo directory) : IAsyncDisposable
{
    public IGraphStore Store { get; } = store;

    public async ValueTask DisposeAsync()
    {
        if (Store is Neo4jGraphStore neo4j)
        {
            await neo4j.RunAsync(CypherStatements.DeleteGraph, new Dictionary<string, object?>());
        }
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        directory.Delete(recursive: true);
    }
}
