using System.Diagnostics.Metrics;
using System.Text.Json;
using FraudDetection.Core.Telemetry;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Webhook;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Notifier;

public sealed class ChannelSelectionTests : IDisposable
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
    public async Task The_webhook_can_be_the_primary_channel_and_retries_on_its_own()
    {
        var hook = Request.Create().WithPath("/gateway").UsingPost();
        _hook.Given(hook).InScenario("gateway").WillSetStateTo("failed once").RespondWith(Response.Create().WithStatusCode(502));
        _hook.Given(hook).InScenario("gateway").WhenStateIs("failed once").RespondWith(Response.Create().WithStatusCode(200));
        var settings = NotifierTestHost.Settings(_data.Path, _kakao.Url, _hook.Url + "/gateway");
        settings["Notifier:Primary"] = "webhook";
        using var host = NotifierTestHost.Create(settings);

        (await host.DeliverAsync(TestAlerts.Make("w-1"))).Should().Equal("w-1");

        _kakao.LogEntries.Should().BeEmpty();
        var calls = _hook.Requests("/gateway");
        calls.Select(c => Convert.ToInt32(c.ResponseMessage!.StatusCode, System.Globalization.CultureInfo.InvariantCulture)).Should().Equal(502, 200);
        calls.Select(c => c.Header(WebhookSignature.SignatureHeader)).Distinct().Should().ContainSingle("a retry sends the same signed body");
        var last = calls[^1];
        last.Header("Content-Type").Should().StartWith("application/json");
        WebhookSignature.Verify(System.Text.Encoding.UTF8.GetBytes(last.RequestMessage!.Body!), NotifierTestHost.WebhookSecret,
            last.Header(WebhookSignature.SignatureHeader)).Should().BeTrue();
        JsonDocument.Parse(last.RequestMessage.Body!).RootElement.GetProperty("text").GetString().Should().Contain("****0366");
    }

    [Fact]
    public async Task An_access_token_past_its_expiry_is_refreshed_before_sending()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 5, 0, 0, TimeSpan.Zero));
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", "Bearer " + NotifierTestHost.AccessToken))
            .RespondWith(Response.Create().WithStatusCode(401).WithBody("""{"msg":"this access token does not exist","code":-401}"""));
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost().WithHeader("Authorization", new WireMock.Matchers.WildcardMatcher("Bearer at-fresh-*")))
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        _kakao.Given(Request.Create().WithPath("/oauth/token").UsingPost()).InScenario("tokens").WillSetStateTo("one")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"access_token":"at-fresh-1","token_type":"bearer","expires_in":600}"""));
        _kakao.Given(Request.Create().WithPath("/oauth/token").UsingPost()).InScenario("tokens").WhenStateIs("one")
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"access_token":"at-fresh-2","token_type":"bearer","expires_in":600}"""));
        using var host = NotifierTestHost.Create(NotifierTestHost.Settings(_data.Path, _kakao.Url), time);

        (await host.DeliverAsync(TestAlerts.Make("e-1"))).Should().Equal("e-1");
        time.Advance(TimeSpan.FromMinutes(11));
        (await host.DeliverAsync(TestAlerts.Make("e-2", card: TestAlerts.OtherCardNumber))).Should().Equal("e-2");

        _kakao.Requests(MemoPath).Select(r => r.Header("Authorization"))
            .Should().Equal("Bearer " + NotifierTestHost.AccessToken, "Bearer at-fresh-1", "Bearer at-fresh-2");
        _kakao.Requests("/oauth/token").Should().HaveCount(2, "the second refresh came from the clock, not from a -401");
    }

    [Fact]
    public async Task Sent_messages_and_alert_to_sent_latency_are_measured_with_the_dashboard_names()
    {
        _kakao.Given(Request.Create().WithPath(MemoPath).UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        using var host = NotifierTestHost.Create(NotifierTestHost.Settings(_data.Path, _kakao.Url));
        var recorded = new List<(string Instrument, double Value, string? Channel)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == FraudMetrics.NotifierMeter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? channel = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "channel")
                {
                    channel = tag.Value as string;
                }
            }
            lock (recorded)
            {
                recorded.Add((instrument.Name, value, channel));
            }
        }
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        (await host.DeliverAsync(TestAlerts.Make("m-1"))).Should().Equal("m-1");

        lock (recorded)
        {
            recorded.Should().Contain(r => r.Instrument == FraudMetrics.NotificationsSent && r.Channel == KakaoChannel.MemoChannel);
            recorded.Should().Contain(r => r.Instrument == FraudMetrics.AlertToSentLatency && r.Channel == KakaoChannel.MemoChannel && r.Value >= 0);
        }
    }
}
