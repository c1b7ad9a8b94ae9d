using FraudDetection.Notifier.Outbox;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Notifier;

public sealed class SecretHygieneTests : IDisposable
{
    private const string MemoPath = "/v2/api/talk/memo/default/send";
    private readonly WireMockServer _kakao = TestNetwork.StartFake();
    private readonly WireMockServer _hook = TestNetwork.StartFake();
    private readonly TempFolder _data = new("fd-notifier");

    public void Dispose()
    {
        _kakao.Stop();
        _hook.Stop();
        _data.Dispose();
    }

    [Fact]
    public async Task No_log_line_contains_a_token_a_secret_or_a_full_card_number()
    {
        // Every path that logs: refresh with rotation, quota → signed webhook, dead letter, refused refresh.
        const string rotatedAccess = "at-rotated-secret-2";
        const string rotatedRefresh = "rt-rotated-secret-2";
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", "Bearer " + NotifierTestHost.AccessToken))
            .RespondWith(Response.Create().WithStatusCode(401).WithBody("""{"msg":"this access token does not exist","code":-401}"""));
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", "Bearer " + rotatedAccess)
                .WithBody(b => b != null && b.Contains("0366")))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", "Bearer " + rotatedAccess)
                .WithBody(b => b != null && b.Contains("9424")))
            .RespondWith(Response.Create().WithStatusCode(400).WithBody("""{"msg":"daily message limit per sender has been exceeded","code":-532}"""));
        _kakao.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                $$"""{"access_token":"{{rotatedAccess}}","token_type":"bearer","refresh_token":"{{rotatedRefresh}}","expires_in":43199,"refresh_token_expires_in":5183999}"""));
        _hook.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

        var lines = new List<string>();
        using (var host = NotifierTestHost.Create(NotifierTestHost.Settings(_data.Path, _kakao.Url, _hook.Url + "/hook")))
        {
            (await host.DeliverAsync(TestAlerts.Make("h-1"))).Should().Equal("h-1");
            (await host.DeliverAsync(TestAlerts.Make("h-2", card: TestAlerts.OtherCardNumber))).Should().Equal("h-2");
            lines.AddRange(host.Logs.Lines);
        }

        // Then the stored refresh token is refused.
        _kakao.Reset();
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(401).WithBody("""{"msg":"this access token does not exist","code":-401}"""));
        _kakao.Given(Request.Create().WithPath("/oauth/token").UsingPost()).RespondWith(Response.Create().WithStatusCode(400).WithBody(
            """{"error":"invalid_grant","error_description":"expired_or_invalid_refresh_token","error_code":"KOE322"}"""));
        using (var host = NotifierTestHost.Create(NotifierTestHost.Settings(_data.Path, _kakao.Url)))
        {
            (await host.DeliverAsync(TestAlerts.Make("h-3"))).Should().BeEmpty();
            lines.AddRange(host.Logs.Lines);
        }

        lines.Should().Contain(l => l.Contains("refreshed", StringComparison.Ordinal), "the refresh itself is logged");
        lines.Should().Contain(l => l.Contains("System.Net.Http.HttpClient", StringComparison.Ordinal), "HTTP client logs were captured too");
        lines.Should().Contain(l => l.Contains("Sending to Kakao stopped", StringComparison.Ordinal));
        var secrets = new[]
        {
            NotifierTestHost.AccessToken, NotifierTestHost.RefreshToken, NotifierTestHost.ClientSecret, NotifierTestHost.WebhookSecret,
            rotatedAccess, rotatedRefresh, TestAlerts.CardNumber.ToString(), TestAlerts.OtherCardNumber.ToString(),
        };
        foreach (var secret in secrets)
        {
            lines.Should().NotContain(l => l.Contains(secret, StringComparison.Ordinal), $"'{secret}' must never be logged");
        }
        _hook.LogEntries.Should().ContainSingle().Which.RequestMessage!.Body.Should().NotContain(TestAlerts.OtherCardNumber.ToString());
    }
}
