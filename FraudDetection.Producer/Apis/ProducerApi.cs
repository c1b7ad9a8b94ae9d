namespace FraudDetection.Producer.Apis;

public static class ProducerApi
{
    /// <summary>Maps the Producer endpoint group.</summary>
    public static IEndpointRouteBuilder MapProducerApi(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
