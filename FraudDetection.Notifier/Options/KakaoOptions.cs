namespace FraudDetection.Notifier.Options;

/// <summary>Configuration section <c>Kakao</c> (environment: <c>Kakao__…</c>). Tokens are secrets: never logged.</summary>
public sealed class KakaoOptions
{
    public const string SectionName = "Kakao";

    public string ApiBaseUrl { get; set; } = "https://kapi.kakao.com";
    public string AuthBaseUrl { get; set; } = "https://kauth.kakao.com";

    /// <summary>The app's REST API key.</summary>
    public string? ClientId { get; set; }
    public string? ClientSecret { get; set; }
    public string? AccessToken { get; set; }
    public string? RefreshToken { get; set; }

    /// <summary><c>memo</c>, <c>friends</c> or <c>dry-run</c>; empty → <c>memo</c> with credentials, <c>dry-run</c> without.</summary>
    public string? Mode { get; set; }

    /// <summary>Friends mode: card → receiver uuid, keyed by the alert's <c>card_id</c> or its masked card (<c>****1234</c>).</summary>
    public Dictionary<string, string> Recipients { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Transient failures (5xx, timeouts, Kakao -1): exponential backoff with jitter.</summary>
    public HttpRetryOptions Retry { get; set; } = new();

    public bool HasCredentials =>
        !string.IsNullOrWhiteSpace(AccessToken)
        || (!string.IsNullOrWhiteSpace(RefreshToken) && !string.IsNullOrWhiteSpace(ClientId));

    public KakaoMode EffectiveMode => (Mode?.Trim().ToLowerInvariant()) switch
    {
        "memo" => KakaoMode.Memo,
        "friends" => KakaoMode.Friends,
        "dry-run" or "dryrun" or "dry_run" => KakaoMode.DryRun,
        null or "" => HasCredentials ? KakaoMode.Memo : KakaoMode.DryRun,
        var other => throw new InvalidOperationException(
            $"Kakao:Mode '{other}' is not one of memo, friends, dry-run."),
    };
}

public enum KakaoMode
{
    DryRun,
    Memo,
    Friends,
}

/// <summary>Retry/timeout tuning of one HTTP peer (tests shrink the delays).</summary>
public sealed class HttpRetryOptions
{
    public int MaxRetryAttempts { get; set; } = 4;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);
    public bool UseJitter { get; set; } = true;
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
