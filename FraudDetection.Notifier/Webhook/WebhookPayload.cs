using System.Text.Json.Serialization;

namespace FraudDetection.Notifier.Webhook;

/// <summary>The webhook body: the rendered message and the alerts behind it (card masked).</summary>
public sealed record WebhookPayload(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("sent_at")] DateTimeOffset SentAt,
    [property: JsonPropertyName("recipient_key")] string RecipientKey,
    [property: JsonPropertyName("card_masked")] string CardMasked,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("link")] string Link,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("alerts")] IReadOnlyList<FraudAlert> Alerts);
