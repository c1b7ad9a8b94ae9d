namespace FraudDetection.Notifier.Options;

/// <summary>Configuration section <c>Notifier</c>: channels, message, coalescing, rate limits.</summary>
public sealed class NotifierOptions
{
    public const string SectionName = "Notifier";

    /// <summary><c>ko</c> (default) or <c>en</c>.</summary>
    public string Language { get; set; } = "ko";

    /// <summary>
    /// Base of the confirm/report link, web's answer page: the alert id and its token are appended
    /// (<c>{LinkBaseUrl}/{alert_id}?t={token}</c>). The app host points it at web's <c>/alerts</c>.
    /// </summary>
    public string LinkBaseUrl { get; set; } = "http://localhost:5100/alerts";

    /// <summary><c>kakao</c> (default; dry-run without credentials) or <c>webhook</c>.</summary>
    public string Primary { get; set; } = "kakao";

    /// <summary><c>webhook</c> or <c>none</c>; empty → <c>webhook</c> when <c>Webhook:Url</c> is set.</summary>
    public string? Fallback { get; set; }

    public WebhookOptions Webhook { get; set; } = new();

    /// <summary>How long the first alert of a card waits for more of that card before one message goes out.</summary>
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Per-recipient rate limit: at most one message per this interval; alerts in between are summarised.</summary>
    public TimeSpan RecipientMinInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Kakao's daily quota per sender (100) and per sender/recipient pair (20); counted per KST day.</summary>
    public int DailySenderQuota { get; set; } = 100;
    public int DailyRecipientQuota { get; set; } = 20;

    /// <summary>When no channel can take a message (Kakao down, token refused, no fallback): retry after this.</summary>
    public TimeSpan RetryUnavailableAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consumption pauses while this many alerts wait to be delivered.</summary>
    public int MaxPending { get; set; } = 1000;

    /// <summary>Alerts kept in memory for <c>GET /api/notifications</c>.</summary>
    public int OutboxRecent { get; set; } = 200;

    /// <summary>Extra librdkafka consumer settings, e.g. <c>Notifier:Kafka:session.timeout.ms</c>.</summary>
    public Dictionary<string, string> Kafka { get; set; } = new(StringComparer.Ordinal);

    public bool WebhookIsPrimary => string.Equals(Primary, "webhook", StringComparison.OrdinalIgnoreCase);

    public bool HasWebhookFallback => !WebhookIsPrimary && (Fallback?.Trim().ToLowerInvariant() switch
    {
        "webhook" => true,
        "none" => false,
        _ => !string.IsNullOrWhiteSpace(Webhook.Url),
    });
}

public sealed class WebhookOptions
{
    public string? Url { get; set; }

    /// <summary>HMAC-SHA256 key of the <c>X-Signature</c> header.</summary>
    public string? Secret { get; set; }

    public HttpRetryOptions Retry { get; set; } = new() { MaxRetryAttempts = 3 };
}
