using System.Text.Json;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Messaging;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Notifier.Extensions;
using FraudDetection.Notifier.Outbox;
using FraudDetection.Tests.Notifier;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FraudDetection.Tests.Web;

/// <summary>
/// The card holder's path end to end in Debian's headless Chromium: an alert on the broker, the Notifier's dry-run
/// message, its link opened, "It wasn't me" clicked, and the label on fraud.labels; and the page without JavaScript.
/// </summary>
[Trait("Category", "Integration")]
public sealed class FeedbackPageBrowserTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempFolder _data = new("fd-feedback-page");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_dry_run_messages_link_opens_the_page_and_it_wasnt_me_becomes_one_fraud_label()
    {
        File.Exists(Chromium).Should().BeTrue("Debian's chromium is installed by .ci/run (apt-get install chromium)");
        using var kafka = EmbeddedKafka.Start(partitions: 2);
        await using var web = await WebTestHost.StartAsync(Path.Combine(_data.Path, "web"), kafka.BootstrapServers);
        using var notifier = StartDryRunNotifier(kafka.BootstrapServers, new Uri(web.BaseAddress(), "/alerts").ToString());
        var alert = TestAlerts.Make("b-page-1", amount: 1234.5, merchant: "fraud_Kozey-Boehm");
        WebTestHost.Produce(kafka.BootstrapServers, alert);

        // The link as the card holder receives it: from the Notifier's dry-run outbox.
        var outbox = notifier.Services.GetRequiredService<NotificationOutbox>();
        await WebTestHost.WaitUntil(() => Task.FromResult(outbox.Recent(10).Count > 0), TimeSpan.FromSeconds(30));
        var template = JsonDocument.Parse(outbox.Recent(10)[0].Request.Form["template_object"]).RootElement;
        var link = template.GetProperty("link").GetProperty("web_url").GetString()!;
        output.WriteLine($"link: {link[..link.IndexOf("?t=", StringComparison.Ordinal)]}?t=…");
        link.Should().StartWith(new Uri(web.BaseAddress(), $"/alerts/{alert.AlertId}?t=").ToString());

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();

        // Web may read the alert a moment after the Notifier did.
        IResponse? opened = null;
        await WebTestHost.WaitUntil(async () => (opened = await page.GotoAsync(link))!.Status == 200, TimeSpan.FromSeconds(30));
        (await page.InnerTextAsync("#card")).Should().Be("****0366");
        (await page.InnerTextAsync("#amount")).Should().Be("$1,234.50");
        (await page.InnerTextAsync("#merchant")).Should().Be("Kozey-Boehm");
        (await page.InnerTextAsync("#reasons")).Should().Contain("an unusually large amount");
        (await page.ContentAsync()).Should().NotContain(TestAlerts.CardNumber.ToString());

        await page.ClickAsync("#not-me");
        await page.WaitForSelectorAsync("p#answer");
        (await page.InnerTextAsync("#answer")).Should().Contain("not yours");

        var labels = WebTestHost.ReadLabels(kafka.BootstrapServers, expected: 1, TimeSpan.FromSeconds(30));
        var (key, label) = labels.Should().ContainSingle().Subject;
        key.Should().Be(alert.CardId);
        label.Should().BeEquivalentTo(new { TransNum = "b-page-1", Label = LabelValues.Fraud, Source = LabelSources.Customer, AlertId = alert.AlertId });

        // Opened again, the page shows the answer given and offers no second one; a tampered link shows nothing.
        await page.GotoAsync(link);
        (await page.InnerTextAsync("#answer")).Should().Contain("not yours");
        (await page.Locator("#not-me").CountAsync()).Should().Be(0);
        var tampered = await page.GotoAsync(link[..^2] + (link[^2..] == "AA" ? "BB" : "AA"));
        tampered!.Status.Should().Be(404);
        (await page.ContentAsync()).Should().NotContain("****0366");

        // Without JavaScript the buttons are a plain form: "It was me" posts, the page comes back answered.
        var plain = await browser.NewPageAsync(new BrowserNewPageOptions { JavaScriptEnabled = false });
        var mine = TestAlerts.Make("b-page-2", card: TestAlerts.OtherCardNumber, amount: 20.0);
        WebTestHost.Produce(kafka.BootstrapServers, mine);
        var mineLink = new Uri(web.BaseAddress(), $"/alerts/{mine.AlertId}?t={new AlertLinkTokens(WebTestHost.Secret).Create(mine.AlertId)}").ToString();
        await WebTestHost.WaitUntil(async () => (await plain.GotoAsync(mineLink))!.Status == 200, TimeSpan.FromSeconds(30));
        await plain.ClickAsync("#me");
        // The answered page comes back on the same URL, so wait for its answer, not for the URL (the form is #answer too).
        await plain.WaitForSelectorAsync("p#answer");
        (await plain.InnerTextAsync("#answer")).Should().Contain("was yours");
        labels = WebTestHost.ReadLabels(kafka.BootstrapServers, expected: 2, TimeSpan.FromSeconds(30));
        labels.Should().HaveCount(2);
        labels.Single(l => l.Label.TransNum == "b-page-2").Label.Should().BeEquivalentTo(new { Label = LabelValues.Genuine, Source = LabelSources.Customer });
    }

    private IHost StartDryRunNotifier(string bootstrap, string linkBaseUrl)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DataPaths.ConfigurationKey] = Path.Combine(_data.Path, "notifier"),
            ["ConnectionStrings:kafka"] = bootstrap,
            ["Kakao:Mode"] = "dry-run",
            ["Notifier:Language"] = "en",
            ["Notifier:LinkBaseUrl"] = linkBaseUrl,
            ["Notifier:CoalesceWindow"] = "00:00:00",
            ["Notifier:Kafka:session.timeout.ms"] = "6000",
            [AlertLinkTokens.SecretSetting] = WebTestHost.Secret,
        });
        builder.AddServiceDefaults();
        builder.AddNotifierServices();
        var host = builder.Build();
        host.Start();
        return host;
    }
}
