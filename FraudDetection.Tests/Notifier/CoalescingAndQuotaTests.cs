using System.Text.Json;
using FraudDetection.Notifier.Outbox;
using FraudDetection.Notifier.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace FraudDetection.Tests.Notifier;

public sealed class CoalescingAndQuotaTests : IDisposable
{
    private readonly TempFolder _data = new("fd-notifier");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 5, 0, 0, TimeSpan.Zero));

    public void Dispose() => _data.Dispose();

    private NotifierTestHost DryRunHost()
    {
        var settings = NotifierTestHost.Settings(_data.Path, null);
        settings["Kakao:Mode"] = "dry-run";
        settings["Notifier:CoalesceWindow"] = "00:00:05";
        settings["Notifier:RecipientMinInterval"] = "00:01:00";
        return NotifierTestHost.Create(settings, _time);
    }

    [Fact]
    public async Task Alerts_of_one_card_within_the_window_become_one_summary_message()
    {
        using var host = DryRunHost();
        var outbox = host.Services.GetRequiredService<NotificationOutbox>();

        (await host.DeliverAsync(TestAlerts.Make("c-1"))).Should().BeEmpty("the first alert waits for the coalescing window");
        _time.Advance(TimeSpan.FromSeconds(2));
        (await host.DeliverAsync(TestAlerts.Make("c-2"), TestAlerts.Make("o-1", card: TestAlerts.OtherCardNumber))).Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(3));
        (await host.DeliverAsync(TestAlerts.Make("c-3"))).Should().BeEquivalentTo(["c-1", "c-2", "c-3"]);
        _time.Advance(TimeSpan.FromSeconds(2));
        (await host.DeliverAsync()).Should().Equal("o-1");

        var entries = outbox.Recent(10);
        entries.Should().HaveCount(2);
        entries.Single(e => e.CardMasked == "****0366").TransNums.Should().BeEquivalentTo(["c-1", "c-2", "c-3"]);
        entries.Single(e => e.CardMasked == "****0366").Text.Should().Contain("3건");
        entries.Single(e => e.CardMasked == "****9424").TransNums.Should().Equal("o-1");
    }

    [Fact]
    public async Task A_recipient_gets_at_most_one_message_per_interval_and_the_rest_is_summarised()
    {
        using var host = DryRunHost();

        host.Dispatcher.Accept(new(TestAlerts.Make("r-1"), null, _time.GetUtcNow()));
        _time.Advance(TimeSpan.FromSeconds(5));
        (await host.DeliverAsync()).Should().Equal("r-1");

        _time.Advance(TimeSpan.FromSeconds(10));
        (await host.DeliverAsync(TestAlerts.Make("r-2"))).Should().BeEmpty();
        _time.Advance(TimeSpan.FromSeconds(20));
        (await host.DeliverAsync(TestAlerts.Make("r-3"))).Should().BeEmpty("one message a minute per recipient");
        _time.Advance(TimeSpan.FromSeconds(30));
        (await host.DeliverAsync()).Should().BeEquivalentTo(["r-2", "r-3"]);
        host.Services.GetRequiredService<NotificationOutbox>().Recent(10).Should().HaveCount(2);
    }

    [Fact]
    public async Task The_daily_quota_is_counted_sends_to_the_fallback_when_used_and_resets_on_the_next_kakao_day()
    {
        using var kakao = TestNetwork.StartFake();
        using var hook = TestNetwork.StartFake();
        kakao.Given(Request.Create().WithPath("/v2/api/talk/memo/default/send").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBody("""{"result_code":0}"""));
        hook.Given(Request.Create().WithPath("/hook").UsingPost()).RespondWith(Response.Create().WithStatusCode(202));
        var settings = NotifierTestHost.Settings(_data.Path, kakao.Url, hook.Url + "/hook");
        settings["Notifier:DailyRecipientQuota"] = "2";
        using var host = NotifierTestHost.Create(settings, _time);
        var quota = host.Services.GetRequiredService<DailyQuota>();

        (await host.DeliverAsync(TestAlerts.Make("q-1"))).Should().Equal("q-1");
        (await host.DeliverAsync(TestAlerts.Make("q-2"))).Should().Equal("q-2");
        quota.Count(DailyQuota.SenderScope).Should().Be(2);
        (await host.DeliverAsync(TestAlerts.Make("q-3"))).Should().Equal("q-3");

        kakao.LogEntries.Should().HaveCount(2, "the third message would exceed the recipient's daily quota");
        var fallback = hook.LogEntries.Should().ContainSingle().Subject;
        JsonDocument.Parse(fallback.RequestMessage!.Body!).RootElement.GetProperty("reason").GetString().Should().Contain("daily_quota");

        // 05:00 UTC is 14:00 KST; ten hours later it is a new Kakao day.
        _time.Advance(TimeSpan.FromHours(10));
        quota.Count(DailyQuota.SenderScope).Should().Be(0);
        (await host.DeliverAsync(TestAlerts.Make("q-4"))).Should().Equal("q-4");
        kakao.LogEntries.Should().HaveCount(3);
    }
}
