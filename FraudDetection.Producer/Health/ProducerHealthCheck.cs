using FraudDetection.Producer.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Producer.Health;

/// <summary>Health check "kafka-producer": unhealthy without Kafka or after a failed run; degraded while deliveries fail.</summary>
public sealed class ProducerHealthCheck(ProducerController controller) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = controller.GetStatus();
        var data = new Dictionary<string, object>
        {
            ["state"] = status.State,
            ["rate"] = status.Rate,
            ["sent"] = status.Sent,
            ["failed"] = status.Failed,
        };
        if (controller.BootstrapServers is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("ConnectionStrings:kafka is not set", data: data));
        }
        if (status.State == ProducerController.Faulted)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(status.LastError ?? "the producer failed", data: data));
        }
        if ((status.Failed > 0 || status.Sent > 0) && status.Acknowledged == 0 && status.LastError is not null)
        {
            // Sending, but Kafka has acknowledged nothing and reports errors (e.g. the broker is unreachable).
            return Task.FromResult(HealthCheckResult.Degraded(status.LastError, data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"{status.State}: {status.Source}", data));
    }
}
