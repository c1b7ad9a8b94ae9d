using System.Text.Json.Serialization;

namespace FraudDetection.Notifier.Outbox;

/// <summary>One message as it would have gone out: the exact HTTP request (token hidden) and what the holder reads.</summary>
public sealed record OutboxEntry(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("recipient_key")] string RecipientKey,
    [property: JsonPropertyName("card_masked")] string CardMasked,
    [property: JsonPropertyName("trans_nums")] IReadOnlyList<string> TransNums,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("request")] OutboxRequest Request);

public sealed record OutboxRequest(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("headers")] IReadOnlyDictionary<string, string> Headers,
    [property: JsonPropertyName("form")] IReadOnlyDictionary<string, string> Form);

/// <summary><c>GET /api/notifications/status</c>.</summary>
public sealed record NotifierStatus(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("primary")] string Primary,
    [property: JsonPropertyName("fallback")] string Fallback,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("sending_stopped")] string? SendingStopped,
    [property: JsonPropertyName("outcomes")] IReadOnlyDictionary<string, long> Outcomes,
    [property: JsonPropertyName("outbox_file")] string? OutboxFile);
