namespace FraudDetection.Notifier.Extensions;

public static class NotifierServiceExtensions
{
    /// <summary>Registers the Notifier services (options, hosted workers, clients) on any host builder.</summary>
    public static TBuilder AddNotifierServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        return builder;
    }
}
