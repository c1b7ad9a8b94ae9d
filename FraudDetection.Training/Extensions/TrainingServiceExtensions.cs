namespace FraudDetection.Training.Extensions;

public static class TrainingServiceExtensions
{
    /// <summary>Registers the Training services (options, hosted workers, clients) on any host builder.</summary>
    public static TBuilder AddTrainingServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        return builder;
    }
}
