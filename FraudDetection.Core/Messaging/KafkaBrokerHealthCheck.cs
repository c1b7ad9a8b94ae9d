using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// Health <c>kafka</c>: Unhealthy while the broker does not answer a metadata request within <see cref="AnswerTimeout"/>.
/// A broker that stops answering leaves the clients' connections open and their requests waiting for up to a minute,
/// so nothing else a service sees turns it unhealthy in time. The answer is kept for <see cref="CacheFor"/>, so
/// frequent health polls cost one request, asked through a <see cref="KafkaAdminConnection"/>.
/// </summary>
public sealed class KafkaBrokerHealthCheck(IConfiguration configuration, TimeProvider time) : IHealthCheck, IDisposable
{
    public const string Name = "kafka";
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _asking = new(1, 1);
    private KafkaAdminConnection? _connection;
    private (DateTimeOffset At, HealthCheckResult Result)? _last;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (KafkaConnection.BootstrapServers(configuration) is not { } servers)
        {
            return HealthCheckResult.Healthy("no Kafka configured");
        }
        await _asking.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < CacheFor)
            {
                return last.Result;
            }
            var result = await Task.Run(() => Ask(servers), cancellationToken);
            _last = (time.GetUtcNow(), result);
            return result;
        }
        finally
        {
            _asking.Release();
        }
    }

    private HealthCheckResult Ask(string servers)
    {
        try
        {
            _connection ??= new KafkaAdminConnection(servers, "health", quiet: true);
            using var admin = _connection.Ask();
            var metadata = admin.GetMetadata(AnswerTimeout);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy($"{metadata.Brokers.Count} broker(s) answering")
                : HealthCheckResult.Unhealthy($"the Kafka cluster at {servers} lists no broker");
        }
        catch (KafkaException e)
        {
            return HealthCheckResult.Unhealthy($"the Kafka broker at {servers} did not answer within {AnswerTimeout.TotalSeconds:F0} s ({e.Error.Reason})");
        }
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _asking.Dispose();
    }
}

public static class KafkaBrokerHealthCheckExtensions
{
    /// <summary>Adds the <c>kafka</c> health check (<see cref="KafkaBrokerHealthCheck"/>) to the service's <c>/health</c>.</summary>
    public static IServiceCollection AddKafkaBrokerHealthCheck(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // One instance for the process: AddCheck<T> alone builds a new check per /health request, each with an admin
        // client (a broker connection and its threads) that nothing disposes, and a cache that never hits.
        services.TryAddSingleton<KafkaBrokerHealthCheck>();
        services.AddHealthChecks().AddCheck<KafkaBrokerHealthCheck>(KafkaBrokerHealthCheck.Name);
        return services;
    }
}
