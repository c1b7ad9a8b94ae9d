using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Graph.Sink;

/// <summary>What the sink is doing, for the <c>graph-sink</c> health check.</summary>
public sealed class GraphSinkStatus
{
    private volatile string? _fatal;
    private volatile string? _retrying;
    private long _edgesWritten;

    public long EdgesWritten => Interlocked.Read(ref _edgesWritten);

    public void Fatal(string reason) => _fatal = reason;
    public void Retrying(string reason) => _retrying = reason;
    public void Written(int edges)
    {
        _retrying = null;
        Interlocked.Add(ref _edgesWritten, edges);
    }

    public HealthCheckResult ToHealth() =>
        _fatal is { } fatal ? HealthCheckResult.Unhealthy(fatal)
        : _retrying is { } retrying ? HealthCheckResult.Degraded($"graph writes failing, retrying: {retrying}")
        : HealthCheckResult.Healthy($"{EdgesWritten} edges written");
}

public sealed class GraphSinkHealthCheck(GraphSinkStatus status) : IHealthCheck
{
    public const string Name = "graph-sink";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(status.ToHealth());
}
