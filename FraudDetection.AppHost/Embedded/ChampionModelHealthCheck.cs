using FraudDetection.Core.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.AppHost.Embedded;

/// <summary>The registry answers and a champion model is set (Scoring serves it).</summary>
public sealed class ChampionModelHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<IModelRegistry>() is not { } registry)
        {
            return HealthCheckResult.Unhealthy("no model registry is registered");
        }
        try
        {
            var champion = await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias, cancellationToken);
            return champion is null
                ? HealthCheckResult.Degraded("no champion model yet")
                : HealthCheckResult.Healthy($"champion {champion.Name} v{champion.Version}");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or HttpRequestException)
        {
            return HealthCheckResult.Unhealthy($"registry unreachable: {e.Message}");
        }
    }
}
