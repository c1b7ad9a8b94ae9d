using FraudDetection.DevKafka.Hosting;

namespace FraudDetection.DevKafka.Extensions;

public static class DevKafkaServiceExtensions
{
    /// <summary>Registers the development broker (options section <c>DevKafka</c>) and its <c>kafka-topics</c> health check.</summary>
    public static TBuilder AddDevKafka<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<DevKafkaOptions>()
            .BindConfiguration(DevKafkaOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DevKafkaBroker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DevKafkaBroker>());
        builder.Services.AddHostedService<ConsumedLogTrimmer>();
        builder.Services.AddHealthChecks().AddCheck<TopicsHealthCheck>(TopicsHealthCheck.Name);
        return builder;
    }
}
