using FraudDetection.Core.Messaging;
using System.Net;
using System.Text.Json;
using FraudDetection.Core.Hosting;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Health;
using FraudDetection.Notifier.Kafka;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Outbox;
using FraudDetection.Notifier.Storage;
using FraudDetection.Notifier.Telemetry;
using FraudDetection.Notifier.Webhook;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Refit;
using HttpRetryOptions = FraudDetection.Notifier.Options.HttpRetryOptions;

namespace FraudDetection.Notifier.Extensions;

public static class NotifierServiceExtensions
{
    /// <summary>Registers the Notifier services (options, hosted workers, clients) on any host builder.</summary>
    public static TBuilder AddNotifierServices<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        services.AddOptions<KakaoOptions>().Bind(configuration.GetSection(KakaoOptions.SectionName))
            .Validate(o => Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out _) && Uri.TryCreate(o.AuthBaseUrl, UriKind.Absolute, out _),
                "Kakao:ApiBaseUrl and Kakao:AuthBaseUrl must be absolute URLs")
            .Validate(o => o.Mode is null || o.Mode.Trim().ToLowerInvariant() is "" or "memo" or "friends" or "dry-run" or "dryrun" or "dry_run",
                "Kakao:Mode must be memo, friends or dry-run")
            .ValidateOnStart();
        services.AddOptions<NotifierOptions>().Bind(configuration.GetSection(NotifierOptions.SectionName))
            .Validate(o => !o.WebhookIsPrimary || !string.IsNullOrWhiteSpace(o.Webhook.Url), "Notifier:Primary is webhook but Notifier:Webhook:Url is not set")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<NotifierMetrics>();
        services.AddZeroSeries(sp =>
        {
            var channels = sp.GetRequiredService<NotificationChannels>();
            sp.GetRequiredService<NotifierMetrics>().SeedZeros(new[] { channels.Primary.Name, channels.Fallback?.Name }.OfType<string>());
        });
        services.TryAddSingleton<NotifierActivitySource>();
        services.TryAddSingleton<NotifierState>();

        services.TryAddSingleton(sp => new NotifierDatabase(Path.Combine(DataPaths.Sub(configuration, "notifier"), "notifier.db")));
        services.TryAddSingleton<DeliveryLedger>();
        services.TryAddSingleton<DailyQuota>();
        services.TryAddSingleton<AlertClock>();
        // Kakao tokens at rest are encrypted; the key ring lives beside the database (back it up with it).
        services.AddDataProtection()
            .SetApplicationName("FraudDetection.Notifier")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(DataPaths.Sub(configuration, "notifier"), "keys")));
        services.TryAddSingleton<KakaoTokenStore>();
        services.TryAddSingleton(sp => new NotificationOutbox(
            Path.Combine(DataPaths.Sub(configuration, "notifier"), "outbox.jsonl"),
            sp.GetRequiredService<IOptions<NotifierOptions>>().Value.OutboxRecent));

        services.AddRefitGeneratedClient<IKakaoTalkApi>(NotifierJsonContext.Default)
            .ConfigureHttpClient((sp, http) => http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<KakaoOptions>>().Value.ApiBaseUrl))
            .WithNotifierResilience("kakao", sp => sp.GetRequiredService<IOptions<KakaoOptions>>().Value.Retry);
        services.AddRefitGeneratedClient<IKakaoAuthApi>(NotifierJsonContext.Default)
            .ConfigureHttpClient((sp, http) => http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<KakaoOptions>>().Value.AuthBaseUrl))
            .WithNotifierResilience("kakao-auth", sp => sp.GetRequiredService<IOptions<KakaoOptions>>().Value.Retry);
        services.AddHttpClient(WebhookChannel.HttpClientName)
            .WithNotifierResilience("webhook", sp => sp.GetRequiredService<IOptions<NotifierOptions>>().Value.Webhook.Retry);

        services.TryAddSingleton<KakaoTokenProvider>();
        services.TryAddSingleton<KakaoChannel>();
        services.TryAddSingleton<WebhookChannel>();
        services.TryAddSingleton<DryRunChannel>();
        services.TryAddSingleton(sp => SelectChannels(sp));
        // The link's token: web answers only links signed with the same secret (FraudDetection:AlertLinkSecret).
        services.TryAddSingleton(sp => AlertLinkTokens.FromConfiguration(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<AlertLinkTokens>()));
        services.TryAddSingleton<AlertMessageComposer>();
        services.TryAddSingleton<KafkaDeadLetterSink>();
        services.TryAddSingleton<INotificationDeadLetterSink>(sp => sp.GetRequiredService<KafkaDeadLetterSink>());
        services.TryAddSingleton<NotificationDispatcher>();
        services.AddHostedService<AlertConsumerWorker>();

        services.AddHealthChecks().AddCheck<NotifierHealthCheck>("notifier");
        services.AddKafkaBrokerHealthCheck();
        return builder;
    }

    private static NotificationChannels SelectChannels(IServiceProvider services)
    {
        var notifier = services.GetRequiredService<IOptions<NotifierOptions>>().Value;
        var kakao = services.GetRequiredService<IOptions<KakaoOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("FraudDetection.Notifier");

        INotificationChannel kakaoChannel = kakao.EffectiveMode == KakaoMode.DryRun
            ? services.GetRequiredService<DryRunChannel>()
            : services.GetRequiredService<KakaoChannel>();
        var webhook = services.GetRequiredService<WebhookChannel>();
        var channels = notifier.WebhookIsPrimary
            ? new NotificationChannels(webhook, null)
            : new NotificationChannels(kakaoChannel, notifier.HasWebhookFallback ? webhook : null);

        if (kakao.EffectiveMode == KakaoMode.DryRun && !notifier.WebhookIsPrimary)
        {
            var outbox = services.GetRequiredService<NotificationOutbox>();
            logger.LogInformation("Kakao dry-run{Why}: messages go to the outbox {Outbox} and GET /api/notifications",
                kakao.HasCredentials ? "" : " (no Kakao credentials configured)", outbox.FilePath);
        }
        else
        {
            logger.LogInformation("Notifier channels: primary {Primary}, fallback {Fallback}", channels.Primary.Name, channels.Fallback?.Name ?? "none");
        }
        return channels;
    }

    /// <summary>
    /// Replaces the service-wide default resilience (ServiceDefaults) with this peer's: exponential backoff with jitter
    /// on 5xx, 408, 429, timeouts and Kakao's -1, tuned from options (tests shrink the delays); never logs header values.
    /// </summary>
    private static IHttpClientBuilder WithNotifierResilience(this IHttpClientBuilder http, string peer, Func<IServiceProvider, HttpRetryOptions> retryOptions)
    {
        http.RedactLoggedHeaders(_ => true);
#pragma warning disable EXTEXP0001 // Evaluation API, but the one way to drop ServiceDefaults' handler for this client.
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        http.AddStandardResilienceHandler().Configure((options, sp) =>
        {
            var retry = retryOptions(sp);
            var metrics = sp.GetRequiredService<NotifierMetrics>();
            options.Retry.MaxRetryAttempts = Math.Max(1, retry.MaxRetryAttempts);
            options.Retry.Delay = retry.BaseDelay;
            options.Retry.BackoffType = DelayBackoffType.Exponential;
            options.Retry.UseJitter = retry.UseJitter;
            options.Retry.ShouldHandle = args => IsTransientAsync(args.Outcome);
            options.Retry.OnRetry = _ =>
            {
                metrics.Retried(peer);
                return default;
            };
            options.AttemptTimeout.Timeout = retry.AttemptTimeout;
            options.TotalRequestTimeout.Timeout = retry.TotalTimeout > retry.AttemptTimeout ? retry.TotalTimeout : retry.AttemptTimeout * 2;
            var sampling = retry.AttemptTimeout * 2;
            options.CircuitBreaker.SamplingDuration = sampling > options.CircuitBreaker.SamplingDuration ? sampling : options.CircuitBreaker.SamplingDuration;
        });
        return http;
    }

    private static async ValueTask<bool> IsTransientAsync(Outcome<HttpResponseMessage> outcome)
    {
        if (HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return true;
        }
        // Kakao's internal error (-1) is worth a retry whatever the HTTP status says.
        if (outcome.Result is { StatusCode: HttpStatusCode.BadRequest } response)
        {
            try
            {
                var body = await response.Content.ReadAsStringAsync();
                return body.Contains("\"code\"", StringComparison.Ordinal)
                    && JsonSerializer.Deserialize(body, NotifierJsonContext.Default.KakaoApiError)?.Code == Kakao.KakaoErrorCodes.InternalError;
            }
            catch (JsonException)
            {
                return false;
            }
        }
        return false;
    }
}
