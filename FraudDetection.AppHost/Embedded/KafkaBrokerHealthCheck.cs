using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.AppHost.Embedded;

/// <summary>The broker answers a metadata request and holds every topic of the system.</summary>
public sealed class KafkaBrokerHealthCheck(IConfiguration configuration) : IHealthCheck, IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(new AdminClientConfig
    {
        BootstrapServers = configuration.GetConnectionString("kafka"),
    }).SetLogHandler((_, _) => { }).Build());

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var metadata = _admin.Value.GetMetadata(TimeSpan.FromSeconds(2));
            var missing = Core.Messaging.Topics.All.Except(metadata.Topics.Select(t => t.Topic)).ToList();
            return Task.FromResult(missing.Count == 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topics")
                : HealthCheckResult.Degraded($"topics missing: {string.Join(", ", missing)}"));
        }
        catch (KafkaException e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"broker unreachable: {e.Error.Reason}"));
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
