using FraudDetection.AppHost.Dashboard;

namespace FraudDetection.AppHost.Extensions;

public static class AppHostPageExtensions
{
    /// <summary>Registers what the page reads: resources, the log ring buffer, counters, traces and the live feed.</summary>
    public static TBuilder AddAppHostPage<TBuilder>(this TBuilder builder, ResourceCatalog catalog) where TBuilder : IHostApplicationBuilder
    {
        var logs = new LogRingBuffer(catalog);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton<CounterCollector>();
        builder.Services.AddSingleton<TraceCollector>();
        builder.Services.AddSingleton<ResourceMonitor>();
        builder.Services.AddSingleton<LiveFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        return builder;
    }
}
