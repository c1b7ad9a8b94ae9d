using FraudDetection.Training.Runs;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Training.Health;

/// <summary>Healthy unless the latest finished training run failed (then degraded, with its error).</summary>
internal sealed class TrainingHealthCheck(TrainingRunQueue queue) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = queue.List().FirstOrDefault(run => run.State is TrainingRunState.Succeeded or TrainingRunState.Failed);
        return Task.FromResult(last?.State == TrainingRunState.Failed
            ? HealthCheckResult.Degraded($"last training run {last.Id} failed: {last.Error}")
            : HealthCheckResult.Healthy(last is null ? "no finished run yet" : $"last training run {last.Id} succeeded"));
    }
}
