using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

public static class DevKafkaBuilderExtensions
{
    /// <summary>Default port of the development broker, as for a local Kafka.</summary>
    public const int DefaultPort = 9092;

    /// <summary>
    /// Adds the development Kafka broker: every topic of the system created, <c>/health</c> healthy once they exist,
    /// messages in memory only (a restart starts empty). References get <c>ConnectionStrings__{name}</c> = its
    /// bootstrap address on 127.0.0.1:<paramref name="port"/> (0: a free port that DCP picks, for tests).
    /// </summary>
    public static IResourceBuilder<DevKafkaResource> AddDevKafka(this IDistributedApplicationBuilder builder, [ResourceName] string name, int port = DefaultPort)
    {
        var resource = new DevKafkaResource(name);
        // A project resource of its own type (for its connection string) gets AddProject's launch wiring this way; the
        // API is marked for evaluation in Aspire 13.
#pragma warning disable ASPIREPROJECTS001
        return builder.AddResource(resource)
            .WithAnnotation<IProjectMetadata>(new Projects.FraudDetection_DevKafka())
            .WithProjectDefaults(new ProjectResourceOptions())
#pragma warning restore ASPIREPROJECTS001
            .WithBuiltExecutable()
            .WithEndpoint(DevKafkaResource.BrokerEndpointName, endpoint =>
            {
                endpoint.Port = port == 0 ? null : port;
                endpoint.TargetPort = port == 0 ? null : port;
                endpoint.IsProxied = false;
                endpoint.UriScheme = "tcp";
                endpoint.Transport = "tcp";
            })
            .WithEnvironment("DevKafka__Host", "127.0.0.1")
            .WithEnvironment("DevKafka__Port", resource.Broker.Property(EndpointProperty.TargetPort))
            .WithBoundedTelemetryExport()
            .WithTelemetryBudget(1)
            .WithHttpHealthCheck("/health");
    }
}
