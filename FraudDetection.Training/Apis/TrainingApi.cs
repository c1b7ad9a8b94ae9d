namespace FraudDetection.Training.Apis;

public static class TrainingApi
{
    /// <summary>Maps the Training endpoint group.</summary>
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
