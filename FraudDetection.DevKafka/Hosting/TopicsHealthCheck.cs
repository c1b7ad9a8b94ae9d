using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Healthy once a client reaching the public address sees every topic of the system (the path services take). Each
/// check opens its own client and closes it, so that the broker's own connections never count as a client's at stop.
/// </summary>
public sealed class TopicsHealthCheck(DevKafkaBroker broker) : IHealthCheck
{
    public const string Name = "kafka-topics";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!broker.Started)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the broker is not started"));
        }
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers })
                .SetLogHandler((_, _) => { })
                .Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(2));
            var missing = Topics.All.Except(metadata.Topics.Select(t => t.Topic)).ToList();
            return Task.FromResult(missing.Count == 0
                ? HealthCheckResult.Healthy($"{broker.BootstrapServers}: {metadata.Topics.Count} topics")
                : HealthCheckResult.Unhealthy($"topics missing: {string.Join(", ", missing)}"));
        }
        catch (KafkaException e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"broker unreachable at {broker.BootstrapServers}: {e.Error.Reason}"));
        }
    }
}
