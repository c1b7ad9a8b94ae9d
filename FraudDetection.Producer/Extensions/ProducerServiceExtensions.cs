namespace FraudDetection.Producer.Extensions;

public static class ProducerServiceExtensions
{
    /// <summary>Registers the Producer services (options, hosted workers, clients) on any host builder.</summary>
    public static TBuilder AddProducerServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        return builder;
    }
}
