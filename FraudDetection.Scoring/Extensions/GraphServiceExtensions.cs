namespace FraudDetection.Scoring.Extensions;

public static class GraphServiceExtensions
{
    /// <summary>Registers the graph sink (consumer of transactions.scored) and the graph store.</summary>
    public static TBuilder AddGraphSink<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        return builder;
    }
}
