using System.Net;
using System.Text.Json;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Storage;
using FraudDetection.Notifier.Telemetry;

namespace FraudDetection.Notifier.Kakao;

/// <summary>Kakao refused the refresh token (or none can be used): sending to Kakao has stopped.</summary>
public sealed class KakaoAuthRefusedException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>The token endpoint could not be reached or answered 5xx: try again later, nothing is refused.</summary>
public sealed class KakaoAuthUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Holds the Kakao access token; refreshes it when expired or rejected (-401), one refresh at a time,
/// keeping a rotated refresh token (persisted). A refused refresh stops sending with one clear error.
/// </summary>
public sealed class KakaoTokenProvider(
    IKakaoAuthApi auth,
    KakaoTokenStore store,
    IOptions<KakaoOptions> options,
    TimeProvider time,
    NotifierMetrics metrics,
    ILogger<KakaoTokenProvider> logger)
{
    /// <summary>Refresh this long before the access token's stated expiry.</summary>
    private static readonly TimeSpan ExpirySkew = TimeSpan.FromMinutes(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private KakaoTokens? _tokens;

    /// <summary>Why sending to Kakao stopped (refresh refused), or null while it works.</summary>
    public string? StoppedReason { get; private set; }

    private KakaoOptions Options => options.Value;

    private KakaoTokens Tokens => _tokens ??=
        store.Load(Options.RefreshToken, Options.AccessToken)
        ?? new KakaoTokens(Blank(Options.AccessToken), null, Blank(Options.RefreshToken), null);

    public async Task<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        ThrowIfStopped();
        var tokens = Tokens;
        if (tokens.AccessToken is not null && !IsExpired(tokens))
        {
            return tokens.AccessToken;
        }
        return await RefreshAsync(tokens.AccessToken, cancellationToken);
    }

    /// <summary>Refreshes unless another caller already replaced <paramref name="rejectedAccessToken"/>.</summary>
    public async Task<string> RefreshAsync(string? rejectedAccessToken, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ThrowIfStopped();
            var tokens = Tokens;
            if (tokens.AccessToken is not null && tokens.AccessToken != rejectedAccessToken && !IsExpired(tokens))
            {
                return tokens.AccessToken;
            }
            if (tokens.RefreshToken is null || string.IsNullOrWhiteSpace(Options.ClientId))
            {
                throw Stop("no_refresh_token",
                    "the Kakao access token is missing, expired or rejected and no refresh token + client id (Kakao:RefreshToken, Kakao:ClientId) is configured");
            }

            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = Options.ClientId!,
                ["refresh_token"] = tokens.RefreshToken,
            };
            if (!string.IsNullOrWhiteSpace(Options.ClientSecret))
            {
                form["client_secret"] = Options.ClientSecret!;
            }

            Refit.IApiResponse<KakaoTokenResponse> response;
            try
            {
                response = await auth.TokenAsync(form, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                          or Polly.CircuitBreaker.BrokenCircuitException
                                          || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new KakaoAuthUnavailableException($"Kakao token endpoint unreachable ({e.GetType().Name})", e);
            }

            using (response)
            {
                if (response.HasRequestError(out var requestError))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    throw new KakaoAuthUnavailableException(
                        $"Kakao token endpoint unreachable ({(requestError.InnerException ?? requestError).GetType().Name})", requestError);
                }
                if (!response.IsSuccessStatusCode || response.Content is null)
                {
                    var status = (int)(response.StatusCode ?? 0);
                    var error = ParseAuthError(response.HasResponseError(out var responseError) ? responseError.Content : null);
                    if (status >= 500 || status == (int)HttpStatusCode.TooManyRequests)
                    {
                        throw new KakaoAuthUnavailableException($"Kakao token endpoint answered {status}");
                    }
                    metrics.TokenRefreshed(succeeded: false);
                    var code = error?.ErrorCode ?? error?.Error ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    throw Stop(code,
                        $"Kakao refused the refresh token ({error?.Error ?? "http " + status}{(error?.ErrorCode is { } c ? ", " + c : "")}: {error?.ErrorDescription ?? "no description"})");
                }

                var body = response.Content;
                var now = time.GetUtcNow();
                var rotated = !string.IsNullOrEmpty(body.RefreshToken);
                var refreshed = new KakaoTokens(
                    body.AccessToken,
                    body.ExpiresIn > 0 ? now.AddSeconds(body.ExpiresIn) : null,
                    rotated ? body.RefreshToken : tokens.RefreshToken,
                    rotated && body.RefreshTokenExpiresIn is > 0 ? now.AddSeconds(body.RefreshTokenExpiresIn.Value) : tokens.RefreshExpiresAt);
                store.Save(refreshed, Options.RefreshToken, Options.AccessToken, now);
                _tokens = refreshed;
                metrics.TokenRefreshed(succeeded: true);
                logger.LogInformation("Kakao access token refreshed (valid {ExpiresIn} s); refresh token {RefreshTokenState}",
                    body.ExpiresIn, rotated ? "rotated by Kakao and saved" : "unchanged");
                return refreshed.AccessToken!;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool IsExpired(KakaoTokens tokens) =>
        tokens.AccessExpiresAt is { } expires && expires - ExpirySkew <= time.GetUtcNow();

    private void ThrowIfStopped()
    {
        if (StoppedReason is not null)
        {
            throw new KakaoAuthRefusedException("auth_stopped", StoppedReason);
        }
    }

    private KakaoAuthRefusedException Stop(string code, string reason)
    {
        StoppedReason = reason;
        // One clear error, once: every later send fails fast without calling Kakao.
        logger.LogError(
            "Sending to Kakao stopped: {Reason}. Alerts go to the fallback channel or stay unacknowledged until an operator "
            + "authorises again (docs/notifier.md) and restarts the Notifier with the new Kakao__RefreshToken.", reason);
        return new KakaoAuthRefusedException(code, reason);
    }

    private static KakaoAuthError? ParseAuthError(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(content, NotifierJsonContext.Default.KakaoAuthError);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
