using System.Text.Json.Serialization;

namespace FraudDetection.Notifier.Kakao;

/// <summary>Kakao API error body: <c>{"msg": "...", "code": -401}</c>.</summary>
public sealed record KakaoApiError(
    [property: JsonPropertyName("msg")] string? Msg,
    [property: JsonPropertyName("code")] int Code);

/// <summary>Memo ("send to me") answer: <c>{"result_code": 0}</c>.</summary>
public sealed record KakaoMemoResult(
    [property: JsonPropertyName("result_code")] int ResultCode);

/// <summary>Friends answer: the receivers that got it, and per-error failures for the others.</summary>
public sealed record KakaoFriendsResult(
    [property: JsonPropertyName("successful_receiver_uuids")] IReadOnlyList<string>? SuccessfulReceiverUuids,
    [property: JsonPropertyName("failure_info")] IReadOnlyList<KakaoFailureInfo>? FailureInfo);

public sealed record KakaoFailureInfo(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("msg")] string? Msg,
    [property: JsonPropertyName("receiver_uuids")] IReadOnlyList<string>? ReceiverUuids);

/// <summary><c>POST /oauth/token</c> answer; <c>refresh_token</c> only when Kakao rotated it.</summary>
public sealed record KakaoTokenResponse(
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("expires_in")] int ExpiresIn,
    [property: JsonPropertyName("refresh_token")] string? RefreshToken,
    [property: JsonPropertyName("refresh_token_expires_in")] int? RefreshTokenExpiresIn);

/// <summary>Kakao OAuth error: <c>{"error":"invalid_grant","error_description":"...","error_code":"KOE322"}</c>.</summary>
public sealed record KakaoAuthError(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription,
    [property: JsonPropertyName("error_code")] string? ErrorCode);

/// <summary>Default text template (<c>object_type: text</c>); Kakao allows 200 characters of text.</summary>
public sealed record KakaoTextTemplate(
    [property: JsonPropertyName("object_type")] string ObjectType,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("link")] KakaoLink Link,
    [property: JsonPropertyName("button_title")] string ButtonTitle)
{
    public const int MaxTextLength = 200;
}

public sealed record KakaoLink(
    [property: JsonPropertyName("web_url")] string WebUrl,
    [property: JsonPropertyName("mobile_web_url")] string MobileWebUrl);
