using Refit;

namespace FraudDetection.Notifier.Kakao;

/// <summary>Kakao Talk Message REST API (<c>Kakao:ApiBaseUrl</c>), default templates.</summary>
[Headers("Content-Type: application/x-www-form-urlencoded;charset=utf-8")]
public interface IKakaoTalkApi
{
    /// <summary>"Send to me": form field <c>template_object</c>.</summary>
    [Post("/v2/api/talk/memo/default/send")]
    Task<IApiResponse<KakaoMemoResult>> SendMemoAsync(
        [Authorize("Bearer")] string accessToken,
        [Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form,
        CancellationToken cancellationToken);

    /// <summary>"Send to friends": form fields <c>receiver_uuids</c> (JSON array string) and <c>template_object</c>.</summary>
    [Post("/v1/api/talk/friends/message/default/send")]
    Task<IApiResponse<KakaoFriendsResult>> SendToFriendsAsync(
        [Authorize("Bearer")] string accessToken,
        [Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form,
        CancellationToken cancellationToken);
}

/// <summary>Kakao OAuth (<c>Kakao:AuthBaseUrl</c>).</summary>
[Headers("Content-Type: application/x-www-form-urlencoded;charset=utf-8")]
public interface IKakaoAuthApi
{
    /// <summary>Form: <c>grant_type=refresh_token</c>, <c>client_id</c>, <c>refresh_token</c>, <c>client_secret</c> when set.</summary>
    [Post("/oauth/token")]
    Task<IApiResponse<KakaoTokenResponse>> TokenAsync(
        [Body(BodySerializationMethod.UrlEncoded)] Dictionary<string, string> form,
        CancellationToken cancellationToken);
}
