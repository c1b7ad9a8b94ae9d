using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Outbox;
using FraudDetection.Notifier.Webhook;

namespace FraudDetection.Notifier;

/// <summary>Source-generated JSON for Kakao's API, the webhook payload and the outbox.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KakaoApiError))]
[JsonSerializable(typeof(KakaoMemoResult))]
[JsonSerializable(typeof(KakaoFriendsResult))]
[JsonSerializable(typeof(KakaoTokenResponse))]
[JsonSerializable(typeof(KakaoAuthError))]
[JsonSerializable(typeof(KakaoTextTemplate))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(WebhookPayload))]
[JsonSerializable(typeof(OutboxEntry))]
[JsonSerializable(typeof(List<OutboxEntry>))]
[JsonSerializable(typeof(NotifierStatus))]
[JsonSerializable(typeof(FraudAlert))]
public sealed partial class NotifierJsonContext : JsonSerializerContext
{
    /// <summary>Same contracts, Korean written as is (not \uXXXX): the outbox file and template_object stay readable.</summary>
    public static NotifierJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    });
}
