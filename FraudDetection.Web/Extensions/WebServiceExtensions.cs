using FraudDetection.Web.Clients;
using FraudDetection.Web.Counters;
using FraudDetection.Web.Feed;
using Refit;

namespace FraudDetection.Web.Extensions;

public static class WebServiceExtensions
{
    /// <summary>
    /// Registers the pages' sources: a Refit client per service at <c>http://{name}</c> (resolved by service discovery
    /// from <c>services__{name}__http__0</c>), the counter sampler and the live feed (<c>ConnectionStrings:kafka</c>).
    /// </summary>
    public static TBuilder AddWebServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        AddClient<IProducerApi>(services, ServiceNames.Producer);
        AddClient<IScoringApi>(services, ServiceNames.Scoring);
        AddClient<INotifierApi>(services, ServiceNames.Notifier);
        AddClient<IGraphApi>(services, ServiceNames.Graph);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CounterSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<CounterSampler>());
        services.AddSingleton<LiveFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        return builder;
    }

    private static void AddClient<TApi>(IServiceCollection services, string service) where TApi : class =>
        services.AddRefitGeneratedClient<TApi>(ServiceJsonContext.Default)
            .ConfigureHttpClient(http => http.BaseAddress = new Uri($"http://{service}"));
}
