using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Scoring.Health;

/// <summary>Health <c>scoring</c>: Degraded while there is no champion (the service waits, it does not crash).</summary>
public sealed class ScoringHealthCheck(IModelSource models, ScoringWorker worker, ScoringStats stats) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["model"] = models.Status,
            ["consumer"] = stats.ConsumerStatus,
            ["scored"] = stats.Scored,
        };
        if (worker.ConfigurationError is { } error)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(error, data: data));
        }
        if (models.Current is null)
        {
            return Task.FromResult(HealthCheckResult.Degraded(models.Status, data: data));
        }
        if (stats.ConsumerStatus.StartsWith("restarting", StringComparison.Ordinal))
        {
            return Task.FromResult(HealthCheckResult.Degraded(stats.ConsumerStatus, data: data));
        }
        return Task.FromResult(HealthCheckResult.Healthy($"{models.Status}; consumer {stats.ConsumerStatus}", data));
    }
}
