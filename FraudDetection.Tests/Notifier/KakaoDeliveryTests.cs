using System.Text.Json;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Storage;
using FraudDetection.Notifier.Webhook;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Notifier;

public sealed class KakaoDeliveryTests : IDisposable
{
    private const string MemoPath = "/v2/api/talk/memo/default/send";
    private const string FriendsPath = "/v1/api/talk/friends/message/default/send";
    private const string TokenPath = "/oauth/token";
    private const string HookPath = "/hook";

    private readonly WireMockServer _kakao = TestNetwork.StartFake();
    private readonly WireMockServer _hook = TestNetwork.StartFake();
    private readonly TempFolder _data = new("fd-notifier");

    public void Dispose()
    {
        _kakao.Stop();
        _hook.Stop();
        _data.Dispose();
    }

    private Dictionary<string, string?> Settings(bool withWebhook = true) =>
        NotifierTestHost.Settings(_data.Path, _kakao.Url, withWebhook ? _hook.Url + HookPath : null);

    private void MemoAnswers(string accessToken, int status, string body) =>
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", "Bearer " + accessToken))
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/json;charset=UTF-8").WithBody(body));

    private void HookAccepts() =>
        _hook.Given(Request.Create().WithPath(HookPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(200));

    [Fact]
    public async Task Memo_is_sent_with_bearer_token_and_form_encoded_template()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 200, """{"result_code":0}""");
        using var host = NotifierTestHost.Create(Settings());

        var finished = await host.DeliverAsync(TestAlerts.Make("t-sent-1"));

        finished.Should().Equal("t-sent-1");
        var request = _kakao.Requests(MemoPath).Should().ContainSingle().Subject;
        request.RequestMessage!.Method.Should().Be("POST");
        request.Header("Authorization").Should().Be("Bearer " + NotifierTestHost.AccessToken);
        request.Header("Content-Type").Should().StartWith("application/x-www-form-urlencoded").And.Contain("charset=utf-8");
        var template = JsonDocument.Parse(request.Form()["template_object"]).RootElement;
        template.GetProperty("object_type").GetString().Should().Be("text");
        template.GetProperty("text").GetString().Should().Contain("****0366").And.Contain("$912.34").And.Contain("Kirlin and Sons")
            .And.NotContain(TestAlerts.CardNumber.ToString());
        template.GetProperty("link").GetProperty("web_url").GetString().Should().Contain("/t-sent-1?t=", "the link carries the alert's token");
        template.GetProperty("button_title").GetString().Should().NotBeNullOrEmpty();
        host.Services.GetRequiredService<DeliveryLedger>().Contains("t-sent-1").Should().BeTrue();
        _hook.LogEntries.Should().BeEmpty();
    }

    [Fact]
    public async Task Friends_mode_sends_to_the_card_holders_receiver_uuid()
    {
        var alert = TestAlerts.Make("t-friend-1");
        _kakao.Given(Request.Create().WithPath(FriendsPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"successful_receiver_uuids":["uuid-holder-1"]}"""));
        var settings = Settings();
        settings["Kakao:Mode"] = "friends";
        settings["Kakao:Recipients:" + alert.CardId] = "uuid-holder-1";
        using var host = NotifierTestHost.Create(settings);

        (await host.DeliverAsync(alert)).Should().Equal("t-friend-1");

        var form = _kakao.Requests(FriendsPath).Should().ContainSingle().Subject.Form();
        JsonSerializer.Deserialize<string[]>(form["receiver_uuids"]).Should().Equal("uuid-holder-1");
        form["template_object"].Should().Contain("****0366");
    }

    [Fact]
    public async Task Quota_answer_goes_to_the_signed_webhook_fallback()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 400, """{"msg":"daily message limit per sender has been exceeded","code":-532}""");
        HookAccepts();
        using var host = NotifierTestHost.Create(Settings());

        (await host.DeliverAsync(TestAlerts.Make("t-quota-1"))).Should().Equal("t-quota-1");

        _kakao.Requests(MemoPath).Should().ContainSingle("a quota answer is not retried");
        var hook = _hook.Requests(HookPath).Should().ContainSingle().Subject;
        var body = System.Text.Encoding.UTF8.GetBytes(hook.RequestMessage!.Body!);
        WebhookSignature.Verify(body, NotifierTestHost.WebhookSecret, hook.Header(WebhookSignature.SignatureHeader)).Should().BeTrue();
        WebhookSignature.Verify(body, "another-secret", hook.Header(WebhookSignature.SignatureHeader)).Should().BeFalse();
        hook.Header(WebhookSignature.TimestampHeader).Should().MatchRegex("^[0-9]+$");
        var payload = JsonDocument.Parse(hook.RequestMessage!.Body!).RootElement;
        payload.GetProperty("reason").GetString().Should().Contain("-532");
        payload.GetProperty("card_masked").GetString().Should().Be("****0366");
        payload.GetProperty("alerts")[0].GetProperty("trans_num").GetString().Should().Be("t-quota-1");
        host.DeadLetters.Letters.Should().BeEmpty();
        host.Services.GetRequiredService<DeliveryLedger>().CountByOutcome().Should().Contain("fallback", 1);
    }

    [Fact]
    public async Task Expired_token_is_refreshed_once_and_the_rotated_refresh_token_survives_a_restart()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 401, """{"msg":"this access token does not exist","code":-401}""");
        MemoAnswers("at-rotated-2", 200, """{"result_code":0}""");
        _kakao.Given(Request.Create().WithPath(TokenPath).UsingPost().WithBody(b => b != null && b.Contains("refresh_token=" + NotifierTestHost.RefreshToken)))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody(
                """{"access_token":"at-rotated-2","token_type":"bearer","refresh_token":"rt-rotated-2","expires_in":43199,"refresh_token_expires_in":5183999}"""));

        using (var host = NotifierTestHost.Create(Settings()))
        {
            (await host.DeliverAsync(TestAlerts.Make("t-refresh-1"))).Should().Equal("t-refresh-1");
        }

        var token = _kakao.Requests(TokenPath).Should().ContainSingle().Subject;
        token.Header("Content-Type").Should().StartWith("application/x-www-form-urlencoded");
        token.Form().Should().Contain(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["client_id"] = NotifierTestHost.ClientId,
            ["refresh_token"] = NotifierTestHost.RefreshToken,
            ["client_secret"] = NotifierTestHost.ClientSecret,
        });
        _kakao.Requests(MemoPath).Select(r => r.Header("Authorization"))
            .Should().Equal("Bearer " + NotifierTestHost.AccessToken, "Bearer at-rotated-2");

        // Restart: the persisted rotated tokens are used, and the next refresh presents the rotated refresh token.
        _kakao.Reset();
        MemoAnswers("at-rotated-2", 401, """{"msg":"this access token does not exist","code":-401}""");
        MemoAnswers("at-3", 200, """{"result_code":0}""");
        _kakao.Given(Request.Create().WithPath(TokenPath).UsingPost().WithBody(b => b != null && b.Contains("refresh_token=rt-rotated-2")))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"access_token":"at-3","token_type":"bearer","expires_in":43199}"""));
        using (var restarted = NotifierTestHost.Create(Settings()))
        {
            (await restarted.DeliverAsync(TestAlerts.Make("t-refresh-2"))).Should().Equal("t-refresh-2");
            restarted.Services.GetRequiredService<KakaoTokenStore>()
                .Load(NotifierTestHost.RefreshToken, NotifierTestHost.AccessToken)!.RefreshToken
                .Should().Be("rt-rotated-2", "Kakao did not rotate it this time, so the rotated one is kept");
        }
        _kakao.Requests(TokenPath).Should().ContainSingle().Which.Form()["refresh_token"].Should().Be("rt-rotated-2");

        // At rest the tokens are encrypted: neither the database nor its WAL holds them in clear text.
        var files = Directory.GetFiles(Path.Combine(_data.Path, "notifier"), "notifier.db*");
        files.Should().NotBeEmpty();
        foreach (var file in files)
        {
            var bytes = ReadShared(file);
            foreach (var secret in new[] { "rt-rotated-2", "at-3", "at-rotated-2" })
            {
                bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)).Should().Be(-1, $"{Path.GetFileName(file)} must not hold {secret} in clear text");
            }
        }
        Directory.GetFiles(Path.Combine(_data.Path, "notifier", "keys"), "key-*.xml").Should().NotBeEmpty("the key ring lives beside the database");
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Fact]
    public async Task Two_server_errors_are_retried_and_the_third_try_is_sent()
    {
        var memo = Request.Create().WithPath(MemoPath).UsingPost();
        _kakao.Given(memo).InScenario("flaky").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(500).WithBody("""{"msg":"internal error","code":-1}"""));
        _kakao.Given(memo).InScenario("flaky").WhenStateIs("failed once").WillSetStateTo("failed twice")
            .RespondWith(Response.Create().WithStatusCode(503));
        _kakao.Given(memo).InScenario("flaky").WhenStateIs("failed twice")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        using var host = NotifierTestHost.Create(Settings());

        (await host.DeliverAsync(TestAlerts.Make("t-flaky-1"))).Should().Equal("t-flaky-1");

        _kakao.Requests(MemoPath).Select(r => Convert.ToInt32(r.ResponseMessage!.StatusCode, System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(500, 503, 200);
        _hook.LogEntries.Should().BeEmpty("a transient failure that recovers needs no fallback");
        host.DeadLetters.Letters.Should().BeEmpty();
    }

    [Fact]
    public async Task Kakaos_internal_error_code_is_retried_whatever_the_http_status()
    {
        var memo = Request.Create().WithPath(MemoPath).UsingPost();
        _kakao.Given(memo).InScenario("minus-one").WillSetStateTo("failed once")
            .RespondWith(Response.Create().WithStatusCode(400).WithBody("""{"msg":"internal error","code":-1}"""));
        _kakao.Given(memo).InScenario("minus-one").WhenStateIs("failed once")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        using var host = NotifierTestHost.Create(Settings());

        (await host.DeliverAsync(TestAlerts.Make("t-minus-one"))).Should().Equal("t-minus-one");

        _kakao.Requests(MemoPath).Should().HaveCount(2);
        host.DeadLetters.Letters.Should().BeEmpty();
    }

    [Fact]
    public async Task A_permanent_refusal_is_dead_lettered_with_kakaos_code_and_message()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 400, """{"msg":"template_object is invalid: link domain not registered","code":-2}""");
        HookAccepts();
        using var host = NotifierTestHost.Create(Settings());

        (await host.DeliverAsync(TestAlerts.Make("t-bad-1"))).Should().Equal("t-bad-1");

        _kakao.Requests(MemoPath).Should().ContainSingle("a 400 is not retried");
        var letter = host.DeadLetters.Letters.Should().ContainSingle().Subject;
        letter.Code.Should().Be("-2");
        letter.Message.Should().Contain("link domain not registered");
        letter.Channel.Should().Be(KakaoChannel.MemoChannel);
        letter.Alert.TransNum.Should().Be("t-bad-1");
        _hook.LogEntries.Should().BeEmpty("a message Kakao refuses as invalid is dead-lettered, not re-routed");
    }

    [Fact]
    public async Task The_same_alert_delivered_twice_and_again_after_a_restart_gives_one_message()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 200, """{"result_code":0}""");
        var alert = TestAlerts.Make("t-dup-1");
        using (var host = NotifierTestHost.Create(Settings()))
        {
            host.Dispatcher.Accept(new(alert, null, DateTimeOffset.UtcNow)).Should().BeTrue();
            host.Dispatcher.Accept(new(alert, null, DateTimeOffset.UtcNow)).Should().BeFalse("it is already waiting");
            (await host.DeliverAsync()).Should().Equal("t-dup-1");
            host.Dispatcher.Accept(new(alert, null, DateTimeOffset.UtcNow)).Should().BeFalse("it was already sent");
        }
        using (var restarted = NotifierTestHost.Create(Settings()))
        {
            restarted.Dispatcher.Accept(new(alert, null, DateTimeOffset.UtcNow)).Should().BeFalse("the ledger is persisted");
            (await restarted.DeliverAsync()).Should().BeEmpty();
        }
        _kakao.Requests(MemoPath).Should().ContainSingle();
    }

    [Fact]
    public async Task A_refused_refresh_stops_sending_with_one_error_and_alerts_are_kept_or_handed_to_the_fallback()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 401, """{"msg":"this access token does not exist","code":-401}""");
        _kakao.Given(Request.Create().WithPath(TokenPath).UsingPost()).RespondWith(Response.Create().WithStatusCode(400).WithBody(
            """{"error":"invalid_grant","error_description":"expired_or_invalid_refresh_token","error_code":"KOE322"}"""));

        using (var host = NotifierTestHost.Create(Settings(withWebhook: false)))
        {
            (await host.DeliverAsync(TestAlerts.Make("t-refused-1"))).Should().BeEmpty("no channel took it: it stays unacknowledged");
            (await host.DeliverAsync(TestAlerts.Make("t-refused-2", card: TestAlerts.OtherCardNumber))).Should().BeEmpty();
            host.Dispatcher.Pending.Should().Be(2);
            host.Services.GetRequiredService<KakaoTokenProvider>().StoppedReason.Should().Contain("KOE322");
            host.Logs.Lines.Count(l => l.Contains("Sending to Kakao stopped", StringComparison.Ordinal) && l.Contains(" Error ", StringComparison.Ordinal))
                .Should().Be(1, "one clear error, not one per alert");
            host.DeadLetters.Letters.Should().BeEmpty();
        }
        _kakao.Requests(TokenPath).Should().ContainSingle("after a refusal Kakao is not asked again");

        HookAccepts();
        using (var withFallback = NotifierTestHost.Create(Settings()))
        {
            (await withFallback.DeliverAsync(TestAlerts.Make("t-refused-1"))).Should().Equal("t-refused-1");
            _hook.Requests(HookPath).Should().ContainSingle();
        }
    }

    [Fact]
    public async Task Kakao_down_without_fallback_keeps_the_alert_and_sends_it_once_kakao_is_back()
    {
        MemoAnswers(NotifierTestHost.AccessToken, 503, "");
        var settings = Settings(withWebhook: false);
        settings["Kakao:Retry:MaxRetryAttempts"] = "1";
        using var host = NotifierTestHost.Create(settings);

        (await host.DeliverAsync(TestAlerts.Make("t-down-1"))).Should().BeEmpty();
        host.Dispatcher.Pending.Should().Be(1);
        _kakao.Requests(MemoPath).Should().HaveCount(2,
            "one try and the one configured retry: ServiceDefaults' own resilience handler is replaced, not stacked");

        _kakao.Reset();
        MemoAnswers(NotifierTestHost.AccessToken, 200, """{"result_code":0}""");
        (await host.DeliverAsync()).Should().Equal("t-down-1");
        host.Dispatcher.Pending.Should().Be(0);
    }
}
