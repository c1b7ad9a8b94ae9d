namespace FraudDetection.Notifier.Kakao;

/// <summary>How a Kakao answer code is handled (Kakao's documented common/message error codes).</summary>
public static class KakaoErrorCodes
{
    public const int InternalError = -1;
    public const int InvalidToken = -401;

    /// <summary>Quota exceeded: the API (-10) or the daily/monthly message quotas (-531, -532, -533, -536).</summary>
    public static readonly IReadOnlySet<int> Quota = new HashSet<int> { -10, -531, -532, -533, -536 };

    /// <summary>The recipient cannot be reached (not a Kakao Talk user, not a friend, blocked/refused messages).</summary>
    public static readonly IReadOnlySet<int> UnreachableRecipient = new HashSet<int> { -501, -502, -530 };

    public static bool GoesToFallback(int code) => Quota.Contains(code) || UnreachableRecipient.Contains(code);
}
