using FraudDetection.Notifier.Kakao;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Notifier.Health;

/// <summary>Health check <c>notifier</c>: unhealthy without Kafka, degraded when Kakao sending stopped (token refused).</summary>
public sealed class NotifierHealthCheck(NotifierState state, KakaoTokenProvider tokens) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["pending"] = state.Pending };
        if (state.FatalError is { } fatal)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy(fatal, data: data));
        }
        if (tokens.StoppedReason is { } stopped)
        {
            return Task.FromResult(HealthCheckResult.Degraded("Sending to Kakao stopped: " + stopped, data: data));
        }
        return Task.FromResult(state.Consuming
            ? HealthCheckResult.Healthy("consuming " + Topics.Alerts, data)
            : HealthCheckResult.Degraded("not consuming yet", data: data));
    }
}
