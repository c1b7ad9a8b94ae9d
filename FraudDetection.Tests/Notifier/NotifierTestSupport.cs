using System.Collections.Concurrent;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Extensions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Notifier;

/// <summary>Builds alerts the way Scoring does (FraudAlert.From), from a known full card number.</summary>
internal static class TestAlerts
{
    public const long CardNumber = 4532015112830366;
    public const long OtherCardNumber = 6011000990139424;

    public static FraudAlert Make(
        string transNum,
        long card = CardNumber,
        double amount = 912.34,
        string merchant = "fraud_Kirlin and Sons",
        string category = "shopping_net",
        DateTime? localTime = null,
        string topFeature = "amt_ratio_median")
    {
        var transaction = new Transaction
        {
            TransDateTransTime = localTime ?? new DateTime(2020, 6, 21, 23, 14, 5),
            CcNum = card,
            Merchant = merchant,
            Category = category,
            Amt = amount,
            First = "Jennifer",
            Last = "Banks",
            City = "Moravian Falls",
            State = "NC",
            TransNum = transNum,
        };
        var reasons = new List<FeatureContribution>
        {
            new("hour", 23, 0.4f),
            new(topFeature, 6.2f, 2.1f),
            new("log_city_pop", 8.2f, -0.3f),
        };
        return FraudAlert.From(new ScoredTransaction(transaction, 0.97, 0.5, true, "v3", reasons,
            new ScoringTimings(3, 1, 1), DateTimeOffset.UtcNow));
    }
}

/// <summary>Every log line a host writes: message, exception and structured values.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, Lines);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope {Values(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {Values(state)} {exception}");

        private static string Values<TState>(TState state) =>
            state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : state?.ToString() ?? "";
    }
}

internal sealed class CapturingDeadLetterSink : INotificationDeadLetterSink
{
    public ConcurrentQueue<NotificationDeadLetter> Letters { get; } = new();

    public Task PublishAsync(IReadOnlyList<NotificationDeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        foreach (var letter in deadLetters)
        {
            Letters.Enqueue(letter);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// The Notifier's services on a host built like production (ServiceDefaults + AddNotifierServices), not started:
/// tests drive the dispatcher directly (no Kafka), with a fake Kakao (WireMock) and fast retries.
/// </summary>
internal sealed class NotifierTestHost : IDisposable
{
    public const string AccessToken = "at-secret-0001";
    public const string RefreshToken = "rt-secret-0001";
    public const string ClientId = "rest-api-key-0001";
    public const string ClientSecret = "client-secret-0001";
    public const string WebhookSecret = "webhook-secret-0001";

    private NotifierTestHost(IHost host, CapturingLoggerProvider logs, CapturingDeadLetterSink deadLetters)
    {
        Host = host;
        Logs = logs;
        DeadLetters = deadLetters;
    }

    public IHost Host { get; }
    public CapturingLoggerProvider Logs { get; }
    public CapturingDeadLetterSink DeadLetters { get; }
    public IServiceProvider Services => Host.Services;
    public NotificationDispatcher Dispatcher => Services.GetRequiredService<NotificationDispatcher>();

    /// <summary>Settings a test usually wants: credentials, fake Kakao, fast retries, no coalescing delay.</summary>
    public static Dictionary<string, string?> Settings(string dataDirectory, string? kakaoUrl, string? webhookUrl = null) => new()
    {
        [DataPaths.ConfigurationKey] = dataDirectory,
        ["Kakao:ApiBaseUrl"] = kakaoUrl ?? "http://127.0.0.1:9",
        ["Kakao:AuthBaseUrl"] = kakaoUrl ?? "http://127.0.0.1:9",
        ["Kakao:ClientId"] = ClientId,
        ["Kakao:ClientSecret"] = ClientSecret,
        ["Kakao:AccessToken"] = AccessToken,
        ["Kakao:RefreshToken"] = RefreshToken,
        ["Kakao:Mode"] = "memo",
        ["Kakao:Retry:BaseDelay"] = "00:00:00.010",
        ["Kakao:Retry:AttemptTimeout"] = "00:00:05",
        ["Notifier:Webhook:Url"] = webhookUrl,
        ["Notifier:Webhook:Secret"] = webhookUrl is null ? null : WebhookSecret,
        ["Notifier:Webhook:Retry:BaseDelay"] = "00:00:00.010",
        ["Notifier:CoalesceWindow"] = "00:00:00",
        ["Notifier:RecipientMinInterval"] = "00:00:00",
        ["Notifier:RetryUnavailableAfter"] = "00:00:00",
    };

    public static NotifierTestHost Create(Dictionary<string, string?> settings, TimeProvider? time = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        var logs = new CapturingLoggerProvider();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        var deadLetters = new CapturingDeadLetterSink();
        builder.Services.AddSingleton<INotificationDeadLetterSink>(deadLetters);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        builder.AddServiceDefaults();
        builder.AddNotifierServices();
        return new NotifierTestHost(builder.Build(), logs, deadLetters);
    }

    /// <summary>Accepts the alerts and delivers whatever is due; returns the trans_nums now finished.</summary>
    public async Task<IReadOnlyList<string>> DeliverAsync(params FraudAlert[] alerts)
    {
        foreach (var alert in alerts)
        {
            Dispatcher.Accept(new PendingAlert(alert, null, DateTimeOffset.UtcNow));
        }
        var finished = await Dispatcher.DeliverDueAsync(CancellationToken.None);
        return finished.Select(p => p.Alert.TransNum).ToList();
    }

    public void Dispose() => Host.Dispose();
}
