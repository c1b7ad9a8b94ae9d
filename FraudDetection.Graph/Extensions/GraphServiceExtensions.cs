using FraudDetection.Core.Messaging;
using FraudDetection.Core.Hosting;
using FraudDetection.Graph.Store;
using FraudDetection.Graph.Neo4j;
using FraudDetection.Graph.Sink;
using FraudDetection.Graph.Sqlite;
using Microsoft.Extensions.Options;
using Refit;

namespace FraudDetection.Graph.Extensions;

public static class GraphServiceExtensions
{
    /// <summary>
    /// Registers the graph sink (consumer of transactions.scored, group <c>graph-sink</c>) and the graph store:
    /// Neo4j when <c>ConnectionStrings:neo4j</c> is set, else the embedded SQLite graph under the data directory.
    /// Options section <c>Graph</c>.
    /// </summary>
    public static TBuilder AddGraphSink<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<GraphOptions>()
            .Bind(builder.Configuration.GetSection(GraphOptions.SectionName))
            .Validate(o => o.BatchSize > 0, "Graph:BatchSize must be positive")
            .Validate(o => o.ChannelCapacity >= o.BatchSize, "Graph:ChannelCapacity must be at least Graph:BatchSize")
            .Validate(o => o.FlushInterval > TimeSpan.Zero, "Graph:FlushInterval must be positive")
            .Validate(o => o.FlushIdle > TimeSpan.Zero, "Graph:FlushIdle must be positive")
            .ValidateOnStart();

        builder.AddGraphStore();
        builder.Services.AddSingleton<GraphSinkMetrics>();
        builder.Services.AddZeroSeries(sp => sp.GetRequiredService<GraphSinkMetrics>().SeedZeros());
        builder.Services.AddSingleton<GraphSinkStatus>();
        builder.Services.AddHostedService<GraphSinkService>();
        builder.Services.AddHostedService<LabelSinkService>();
        builder.Services.AddHealthChecks().AddCheck<GraphSinkHealthCheck>(GraphSinkHealthCheck.Name);
        builder.Services.AddKafkaBrokerHealthCheck();
        return builder;
    }

    /// <summary>Only the <see cref="IGraphStore"/> (for the API or tools without the sink).</summary>
    public static TBuilder AddGraphStore<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IGraphStore)))
        {
            return builder;
        }
        var neo4j = builder.Configuration.GetConnectionString(Neo4jConnection.ConnectionStringName);
        if (!string.IsNullOrWhiteSpace(neo4j))
        {
            var connection = Neo4jConnection.Parse(neo4j);
            builder.Services.AddSingleton(connection);
            builder.Services.AddRefitGeneratedClient<INeo4jQueryApi>(Neo4jJsonContext.Default)
                .ConfigureHttpClient(http =>
                {
                    http.BaseAddress = connection.Endpoint;
                    http.DefaultRequestHeaders.Authorization = connection.BasicAuthorization();
                });
            builder.Services.AddSingleton<IGraphStore>(sp => new Neo4jGraphStore(
                sp.GetRequiredService<INeo4jQueryApi>(), connection, sp.GetRequiredService<ILogger<Neo4jGraphStore>>()));
        }
        else
        {
            builder.Services.AddSingleton<IGraphStore>(sp =>
            {
                var file = sp.GetRequiredService<IOptions<GraphOptions>>().Value.SqliteFile;
                return new SqliteGraphStore(Path.IsPathRooted(file) ? file : Path.Combine(DataPaths.Root(builder.Configuration), file));
            });
        }
        return builder;
    }
}
