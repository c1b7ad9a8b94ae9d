using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Counter series that exist at 0 from the start, so a dashboard panel says 0 rather than "No data" before the first
/// dead letter or failure. A counter's series appears at its first <c>Add</c>, and an <c>Add(0)</c> made before the
/// MeterProvider listens is lost: the seeds run at host start, after the provider is built.
/// </summary>
public static class ZeroSeriesExtensions
{
    /// <summary>Registers <paramref name="seed"/> (typically <c>counter.Add(0, tags)</c> for each known label value) to run at host start.</summary>
    public static IServiceCollection AddZeroSeries(this IServiceCollection services, Action<IServiceProvider> seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        services.AddSingleton(new ZeroSeriesSeed(seed));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ZeroSeriesSeeder>());
        return services;
    }
}

/// <summary>One registered seed.</summary>
public sealed record ZeroSeriesSeed(Action<IServiceProvider> Seed);

internal sealed class ZeroSeriesSeeder(IServiceProvider services, IEnumerable<ZeroSeriesSeed> seeds, ILogger<ZeroSeriesSeeder> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Builds the provider now if the telemetry host service has not yet: it enables the instruments that exist.
        _ = services.GetService<MeterProvider>();
        foreach (var seed in seeds)
        {
            try
            {
                seed.Seed(services);
            }
            catch (Exception e)
            {
                // A series missing until its first event is not worth stopping the service for; the cause is reported elsewhere.
                logger.LogWarning("Could not create the metric series at 0: {Error}", e.Message);
            }
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
