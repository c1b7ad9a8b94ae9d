using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;

namespace FraudDetection.Notifier.Webhook;

/// <summary>
/// A bank's own messaging gateway (SMS, push, AlimTalk through a dealer): POST of a JSON body signed with
/// <c>X-Signature: sha256=…</c>; transient failures retried by its own resilience pipeline.
/// </summary>
public sealed class WebhookChannel(IHttpClientFactory httpClientFactory, IOptions<NotifierOptions> options, TimeProvider time) : INotificationChannel
{
    public const string HttpClientName = "FraudDetection.Notifier.Webhook";
    public const string ChannelName = "webhook";

    public string Name => ChannelName;

    public async Task<DeliveryResult> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var webhook = options.Value.Webhook;
        if (string.IsNullOrWhiteSpace(webhook.Url))
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, "not_configured", "Notifier:Webhook:Url is not set");
        }

        var now = time.GetUtcNow();
        var payload = new WebhookPayload(
            Id: MessageId(message), SentAt: now, RecipientKey: message.RecipientKey, CardMasked: message.CardMasked,
            Text: message.Text, Link: message.LinkUrl, Reason: message.FallbackReason, Alerts: message.Alerts);
        var body = JsonSerializer.SerializeToUtf8Bytes(payload, NotifierJsonContext.Readable.WebhookPayload);

        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.IdHeader, payload.Id);
        if (!string.IsNullOrEmpty(webhook.Secret))
        {
            request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(body, webhook.Secret));
        }

        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            var status = (int)response.StatusCode;
            var code = status.ToString(CultureInfo.InvariantCulture);
            if (response.IsSuccessStatusCode)
            {
                return DeliveryResult.Sent(Name);
            }
            return status >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
                ? new DeliveryResult(DeliveryOutcome.Unavailable, Name, code, "webhook answered " + code + " after retries")
                : new DeliveryResult(DeliveryOutcome.Permanent, Name, code, "webhook refused the message with " + code);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                      or Polly.CircuitBreaker.BrokenCircuitException
                                      || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, "transport", $"webhook unreachable after retries ({e.GetType().Name})");
        }
    }

    /// <summary>Stable per message, so the gateway can drop a duplicate delivery of the same webhook.</summary>
    public static string MessageId(NotificationMessage message) =>
        message.Alerts.Count == 1 ? message.Alerts[0].TransNum : message.Alerts[0].TransNum + "+" + (message.Alerts.Count - 1);
}
