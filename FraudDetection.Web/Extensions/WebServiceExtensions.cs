using FraudDetection.Core.Hosting;
using FraudDetection.Core.Messaging;
using FraudDetection.Web.Alerts;
using FraudDetection.Web.Apis;
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
        services.AddKafkaBrokerHealthCheck();
        builder.AddAlertReview();
        return builder;
    }

    /// <summary>
    /// The alerts under review: the store (<c>{DataDirectory}/web/alerts.db</c>) fed from <c>fraud.alerts</c>, the link
    /// tokens (<c>FraudDetection:AlertLinkSecret</c>, shared with the Notifier), the publisher of labels, and the rate
    /// limit of the card holder's answers (<c>Web:AnswersPerMinute</c> per client address, default 10).
    /// </summary>
    public static TBuilder AddAlertReview<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        services.AddSingleton(sp => new AlertStore(Path.Combine(DataPaths.Sub(sp.GetRequiredService<IConfiguration>(), "web"), "alerts.db")));
        services.AddSingleton(sp => AlertLinkTokens.FromConfiguration(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<AlertLinkTokens>()));
        services.AddSingleton<AlertArchive>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertArchive>());
        services.AddSingleton<LabelPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<LabelPublisher>());

        var perMinute = builder.Configuration.GetValue("Web:AnswersPerMinute", 10);
        services.AddSingleton(new AnswerRateLimiter(perMinute));
        return builder;
    }

    /// <summary>How long a page read or a counter poll waits for a service before showing it as not answering.</summary>
    public static readonly TimeSpan ServiceReadTimeout = TimeSpan.FromSeconds(5);

#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers: the way to opt one client out of ConfigureHttpClientDefaults' pipeline
    // Every call is a page read or a poll every few seconds: the next poll is the retry. The default pipeline's retries
    // only stacked requests behind a service still starting, each logged as an error with its stack trace.
    private static void AddClient<TApi>(IServiceCollection services, string service) where TApi : class =>
        services.AddRefitGeneratedClient<TApi>(ServiceJsonContext.Default)
            .ConfigureHttpClient(http =>
            {
                http.BaseAddress = new Uri($"http://{service}");
                http.Timeout = ServiceReadTimeout;
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
}
