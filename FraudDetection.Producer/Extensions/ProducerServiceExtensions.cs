using FraudDetection.Core.Messaging;
using FraudDetection.Producer.Health;
using FraudDetection.Producer.Hosting;
using FraudDetection.Producer.Options;
using FraudDetection.Producer.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FraudDetection.Producer.Extensions;

public static class ProducerServiceExtensions
{
    /// <summary>
    /// Registers the hosted Producer on any host builder: options section <c>Producer</c>, Kafka from
    /// <c>ConnectionStrings:kafka</c>, the run controller, the hosted service, metrics and the "kafka-producer" health check.
    /// </summary>
    public static TBuilder AddProducerServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ProducerOptions>().Bind(builder.Configuration.GetSection(ProducerOptions.SectionName));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton(services => new ProducerMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        builder.Services.AddSingleton<ProducerController>();
        builder.Services.AddZeroSeries(services =>
            services.GetRequiredService<ProducerMetrics>().SeedZeros(services.GetRequiredService<ProducerController>().ScenarioLabels()));
        builder.Services.AddHostedService<ProducerHostedService>();
        builder.Services.AddHealthChecks().AddCheck<ProducerHealthCheck>("kafka-producer");
        builder.Services.AddKafkaBrokerHealthCheck();
        return builder;
    }
}
