using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.AppHost.Dashboard;

public sealed record HealthEntryView(string Name, string Status, string? Description);

public sealed record ResourceView(
    string Name, string Kind, string Description, string State, string Health,
    IReadOnlyList<HealthEntryView> Checks, IReadOnlyList<string> Endpoints, IReadOnlyList<LogLine> Logs);

/// <summary>Puts together each resource's state, health (the registered health checks), endpoints and recent logs.</summary>
public sealed class ResourceMonitor(
    ResourceCatalog catalog,
    HealthCheckService healthChecks,
    EndpointDataSource endpoints,
    LogRingBuffer logs)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, HealthReport Report)? _cached;

    public async Task<IReadOnlyList<ResourceView>> ResourcesAsync(int logLines, CancellationToken cancellationToken)
    {
        var report = await HealthAsync(cancellationToken);
        var routes = endpoints.Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + (e.RoutePattern.RawText ?? "").TrimStart('/'))
            .Distinct()
            .ToList();

        return catalog.Resources.Select(resource =>
        {
            var checks = report.Entries
                .Where(e => catalog.ForHealthCheck(e.Key) == resource)
                .Select(e => new HealthEntryView(e.Key, e.Value.Status.ToString(), e.Value.Description ?? e.Value.Exception?.Message))
                .ToList();
            var health = checks.Count == 0
                ? "Unknown"
                : checks.Any(c => c.Status == nameof(HealthStatus.Unhealthy)) ? nameof(HealthStatus.Unhealthy)
                : checks.Any(c => c.Status == nameof(HealthStatus.Degraded)) ? nameof(HealthStatus.Degraded)
                : nameof(HealthStatus.Healthy);
            var resourceRoutes = routes.Where(r => catalog.ForRoute(r) == resource).Order(StringComparer.Ordinal);
            return new ResourceView(
                resource.Name,
                resource.Kind.ToString(),
                resource.Description,
                resource.State,
                health,
                checks,
                resource.ExtraEndpoints.Concat(resourceRoutes).ToList(),
                logs.Recent(resource.Name, logLines));
        }).ToList();
    }

    private async Task<HealthReport> HealthAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } cached && DateTimeOffset.UtcNow - cached.At < TimeSpan.FromSeconds(1))
            {
                return cached.Report;
            }
            var report = await healthChecks.CheckHealthAsync(cancellationToken);
            _cached = (DateTimeOffset.UtcNow, report);
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }
}
