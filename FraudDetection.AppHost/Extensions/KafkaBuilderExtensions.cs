using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Apache Kafka (single node, KRaft) as a container; its connection string is the host-facing bootstrap address.</summary>
public sealed class KafkaServerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string InternalEndpointName = "internal";

    private EndpointReference? _primary;

    public EndpointReference PrimaryEndpoint => _primary ??= new(this, PrimaryEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}

public static class KafkaBuilderExtensions
{
    public const string Image = "apache/kafka";
    public const string Tag = "4.1.0";
    public const int Partitions = 4;

    /// <summary>
    /// Adds Apache Kafka in KRaft mode (broker and controller in one node). Processes on the host bootstrap from the
    /// primary endpoint, which the broker advertises with its host port; containers use the internal listener
    /// (<c>{name}:9093</c>). Healthy once a metadata request answers.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> AddKafka(this IDistributedApplicationBuilder builder, [ResourceName] string name, int? port = null)
    {
        var resource = new KafkaServerResource(name);
        var healthCheck = $"{name}-metadata";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new KafkaMetadataHealthCheck(resource), null, null));
        return builder.AddResource(resource)
            .WithImage(Image, Tag)
            .WithEndpoint(port: port, targetPort: 9092, name: KafkaServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithEndpoint(targetPort: 9093, name: KafkaServerResource.InternalEndpointName, scheme: "tcp")
            .WithEnvironment("KAFKA_NODE_ID", "1")
            .WithEnvironment("KAFKA_PROCESS_ROLES", "broker,controller")
            .WithEnvironment("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9094")
            .WithEnvironment("KAFKA_LISTENERS", "PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:9093,CONTROLLER://0.0.0.0:9094")
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
            .WithEnvironment("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
            .WithEnvironment("KAFKA_INTER_BROKER_LISTENER_NAME", "INTERNAL")
            .WithEnvironment("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
            .WithEnvironment("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
            .WithEnvironment("KAFKA_NUM_PARTITIONS", Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment(context =>
            {
                // Host processes reach the broker at the host port of the primary endpoint; other containers by name.
                context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                    $"PLAINTEXT://localhost:{resource.PrimaryEndpoint.Property(EndpointProperty.Port)},INTERNAL://{name}:9093");
            })
            .WithHealthCheck(healthCheck);
    }

    /// <summary>Healthy once the broker answers a metadata request at the resource's connection string.</summary>
    private sealed class KafkaMetadataHealthCheck(KafkaServerResource resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var bootstrap = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            try
            {
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap })
                    .SetLogHandler((_, _) => { })
                    .Build();
                var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
                return metadata.Brokers.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no brokers in the metadata");
            }
            catch (KafkaException e)
            {
                return HealthCheckResult.Unhealthy(e.Error.Reason);
            }
        }
    }
}
