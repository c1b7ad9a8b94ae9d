namespace FraudDetection.Scoring.Apis;

public static class ScoringApi
{
    /// <summary>Maps the Scoring endpoint group.</summary>
    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
