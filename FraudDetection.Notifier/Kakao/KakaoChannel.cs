using System.Globalization;
using System.Net;
using System.Text.Json;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Storage;
using Refit;

namespace FraudDetection.Notifier.Kakao;

/// <summary>
/// Sends through Kakao's Talk Message API ("send to me" or "send to friends"). Transient failures were already
/// retried by the HTTP resilience pipeline; here -401 means refresh and retry once, quota and unreachable
/// recipient mean "use the fallback", and anything else Kakao refuses is permanent (dead letter).
/// </summary>
public sealed class KakaoChannel(
    IKakaoTalkApi api,
    KakaoTokenProvider tokens,
    DailyQuota quota,
    IOptions<KakaoOptions> kakaoOptions,
    IOptions<NotifierOptions> notifierOptions,
    ILogger<KakaoChannel> logger) : INotificationChannel
{
    public const string MemoChannel = "kakao-memo";
    public const string FriendsChannel = "kakao-friends";

    private bool Friends => kakaoOptions.Value.EffectiveMode == KakaoMode.Friends;

    public string Name => Friends ? FriendsChannel : MemoChannel;

    public async Task<DeliveryResult> SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        string? receiver = null;
        if (Friends)
        {
            receiver = RecipientDirectory.Resolve(kakaoOptions.Value.Recipients, message);
            if (receiver is null)
            {
                return new DeliveryResult(DeliveryOutcome.UseFallback, Name, "no_recipient",
                    $"no Kakao receiver uuid configured for card {message.CardMasked} (Kakao:Recipients)");
            }
        }

        var limits = notifierOptions.Value;
        var recipientScope = DailyQuota.RecipientScope(message.RecipientKey);
        if (quota.Count(DailyQuota.SenderScope) >= limits.DailySenderQuota)
        {
            return new DeliveryResult(DeliveryOutcome.UseFallback, Name, "daily_quota", $"daily sender quota of {limits.DailySenderQuota} messages used");
        }
        if (quota.Count(recipientScope) >= limits.DailyRecipientQuota)
        {
            return new DeliveryResult(DeliveryOutcome.UseFallback, Name, "daily_quota", $"daily quota of {limits.DailyRecipientQuota} messages for this recipient used");
        }

        try
        {
            var accessToken = await tokens.GetAccessTokenAsync(cancellationToken);
            var answer = await CallAsync(accessToken, message, receiver, cancellationToken);
            if (answer.InvalidToken)
            {
                logger.LogInformation("Kakao rejected the access token ({Code}); refreshing and retrying once", answer.Code);
                accessToken = await tokens.RefreshAsync(accessToken, cancellationToken);
                answer = await CallAsync(accessToken, message, receiver, cancellationToken);
            }
            if (answer.Success)
            {
                quota.Increment(DailyQuota.SenderScope, recipientScope);
                return DeliveryResult.Sent(Name);
            }
            return Classify(answer);
        }
        catch (KakaoAuthRefusedException e)
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, e.Code, e.Message);
        }
        catch (KakaoAuthUnavailableException e)
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, "auth_unavailable", e.Message);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                      or Polly.CircuitBreaker.BrokenCircuitException
                                      || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, "transport", $"Kakao unreachable after retries ({e.Message})");
        }
    }

    private DeliveryResult Classify(KakaoAnswer answer)
    {
        var code = answer.Code?.ToString(CultureInfo.InvariantCulture) ?? ((int)answer.Status).ToString(CultureInfo.InvariantCulture);
        var text = answer.Message ?? answer.Status.ToString();
        if (answer.Code is { } kakaoCode && KakaoErrorCodes.GoesToFallback(kakaoCode))
        {
            return new DeliveryResult(DeliveryOutcome.UseFallback, Name, code, text);
        }
        if (answer.InvalidToken || (int)answer.Status >= 500 || answer.Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout
            || answer.Code == KakaoErrorCodes.InternalError)
        {
            return new DeliveryResult(DeliveryOutcome.Unavailable, Name, code, text);
        }
        return new DeliveryResult(DeliveryOutcome.Permanent, Name, code, text);
    }

    private async Task<KakaoAnswer> CallAsync(string accessToken, NotificationMessage message, string? receiver, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string> { ["template_object"] = message.TemplateObjectJson };
        if (receiver is null)
        {
            using var memo = await api.SendMemoAsync(accessToken, form, cancellationToken);
            return memo.IsSuccessStatusCode
                ? new KakaoAnswer(true, memo.StatusCode ?? HttpStatusCode.OK, memo.Content?.ResultCode, null)
                : Failure(memo, cancellationToken);
        }

        form["receiver_uuids"] = JsonSerializer.Serialize(new[] { receiver }, NotifierJsonContext.Default.StringArray);
        using var friends = await api.SendToFriendsAsync(accessToken, form, cancellationToken);
        if (!friends.IsSuccessStatusCode)
        {
            return Failure(friends, cancellationToken);
        }
        var status = friends.StatusCode ?? HttpStatusCode.OK;
        if (friends.Content?.SuccessfulReceiverUuids?.Contains(receiver) == true)
        {
            return new KakaoAnswer(true, status, 0, null);
        }
        // 200 with the receiver missing from successful_receiver_uuids: the failure_info says why.
        var failure = friends.Content?.FailureInfo?.FirstOrDefault(f => f.ReceiverUuids?.Contains(receiver) != false);
        return new KakaoAnswer(false, status, failure?.Code ?? -502, failure?.Msg ?? "receiver not in successful_receiver_uuids");
    }

    private static KakaoAnswer Failure(IApiResponse response, CancellationToken cancellationToken)
    {
        if (response.HasRequestError(out var requestError))
        {
            // No answer at all (connection refused, timeouts after the resilience pipeline's retries).
            cancellationToken.ThrowIfCancellationRequested();
            throw new HttpRequestException("Kakao unreachable: " + (requestError.InnerException ?? requestError).GetType().Name, requestError);
        }
        KakaoApiError? error = null;
        if (response.HasResponseError(out var responseError) && !string.IsNullOrWhiteSpace(responseError.Content))
        {
            try
            {
                error = JsonSerializer.Deserialize(responseError.Content, NotifierJsonContext.Default.KakaoApiError);
            }
            catch (JsonException)
            {
                // Not Kakao's JSON (a proxy's HTML page): the HTTP status decides.
            }
        }
        return new KakaoAnswer(false, response.StatusCode ?? 0, error?.Code, error?.Msg);
    }

    private readonly record struct KakaoAnswer(bool Success, HttpStatusCode Status, int? Code, string? Message)
    {
        public bool InvalidToken => Code == KakaoErrorCodes.InvalidToken || (Code is null && Status == HttpStatusCode.Unauthorized);
    }
}

/// <summary>Friends mode: which Kakao friend uuid a card's alerts go to (by card_id, else by masked card).</summary>
public static class RecipientDirectory
{
    public static string? Resolve(IReadOnlyDictionary<string, string> recipients, NotificationMessage message)
    {
        var alert = message.Alerts[^1];
        return recipients.TryGetValue(alert.CardId, out var byId) && !string.IsNullOrWhiteSpace(byId) ? byId
            : recipients.TryGetValue(message.CardMasked, out var byMask) && !string.IsNullOrWhiteSpace(byMask) ? byMask
            : null;
    }
}
