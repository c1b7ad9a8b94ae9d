namespace FraudDetection.Scoring.Apis;

public static class GraphApi
{
    /// <summary>Maps <c>GET /api/graph/...</c>.</summary>
    public static IEndpointRouteBuilder MapGraphApi(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
