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
            // Data annotations do not reach the nested section: a negative keep would delete records not yet read.
            .Validate(o => o.Trim.KeepMessages >= 0, "DevKafka:Trim:KeepMessages must be 0 or more")
            .Validate(o => o.Trim.Interval > TimeSpan.Zero, "DevKafka:Trim:Interval must be more than zero")
            .ValidateOnStart();
        builder.Services.AddSingleton<DevKafkaBroker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DevKafkaBroker>());
        builder.Services.AddHostedService<ConsumedLogTrimmer>();
        builder.Services.AddHealthChecks().AddCheck<TopicsHealthCheck>(TopicsHealthCheck.Name);
        return builder;
    }
}
