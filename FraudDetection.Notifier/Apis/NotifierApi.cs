namespace FraudDetection.Notifier.Apis;

public static class NotifierApi
{
    /// <summary>Maps the Notifier endpoint group.</summary>
    public static IEndpointRouteBuilder MapNotifierApi(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
