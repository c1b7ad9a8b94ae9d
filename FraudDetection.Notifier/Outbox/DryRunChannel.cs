using System.Text.Json;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;

namespace FraudDetection.Notifier.Outbox;

/// <summary>
/// The default without Kakao credentials: writes the exact Kakao request that would be sent (memo, or friends
/// when the card has a configured receiver) to the outbox, so the embedded system shows what the holder would read.
/// </summary>
public sealed class DryRunChannel(NotificationOutbox outbox, IOptions<KakaoOptions> kakaoOptions, TimeProvider time) : INotificationChannel
{
    public const string ChannelName = "dry-run";

    public string Name => ChannelName;

    public Task<DeliveryResult> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var kakao = kakaoOptions.Value;
        var form = new Dictionary<string, string>();
        var receiver = RecipientDirectory.Resolve(kakao.Recipients, message);
        string path;
        if (receiver is null)
        {
            path = "/v2/api/talk/memo/default/send";
        }
        else
        {
            path = "/v1/api/talk/friends/message/default/send";
            form["receiver_uuids"] = JsonSerializer.Serialize(new[] { receiver }, NotifierJsonContext.Default.StringArray);
        }
        form["template_object"] = message.TemplateObjectJson;

        var request = new OutboxRequest(
            "POST",
            kakao.ApiBaseUrl.TrimEnd('/') + path,
            new Dictionary<string, string>
            {
                // The token is never written anywhere; the outbox shows where it would go.
                ["Authorization"] = "Bearer ***",
                ["Content-Type"] = "application/x-www-form-urlencoded;charset=utf-8",
            },
            form);
        outbox.Append(new OutboxEntry(
            time.GetUtcNow(), receiver is null ? KakaoChannel.MemoChannel : KakaoChannel.FriendsChannel,
            message.RecipientKey, message.CardMasked, message.Alerts.Select(a => a.TransNum).ToList(), message.Text, request));
        return Task.FromResult(DeliveryResult.Sent(Name));
    }
}
