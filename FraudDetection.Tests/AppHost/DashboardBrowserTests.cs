using System.Diagnostics;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The app host run as a user runs it (its own process, the real Aspire dashboard): every resource Running in the
/// dashboard, one trace from the producer through Scoring to the Notifier, and Ctrl+C ending every process (the time it takes is printed).
/// </summary>
[Collection(AppHostProcessCollection.Name)]
[Trait("Category", "Integration")]
[TestCaseOrderer(PriorityOrderer.TypeName, PriorityOrderer.AssemblyName)]
public sealed class DashboardBrowserTests(AppHostProcessFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] TracePath = ["producer", "scoring", "notifier"];

    [Fact, TestPriority(1)]
    public async Task The_dashboard_shows_every_resource_running_and_a_trace_from_the_producer_through_Scoring_to_the_Notifier()
    {
        var traceId = await fixture.WaitForTraceThroughAsync(TracePath, TimeSpan.FromMinutes(5));
        output.WriteLine($"trace {traceId} through {string.Join(" → ", TracePath)} after {(DateTime.UtcNow - fixture.StartedAt).TotalSeconds:F0} s");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });

        // Resources: a Blazor page, so wait for it to render its rows; every resource Running.
        await page.GotoAsync(fixture.Dashboard.BaseAddress!.ToString());
        await ExpectEveryResourceRunningAsync(page, ["kafka", .. TestAppHost.Services]);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppHostPaths.Artefacts, "aspire-dashboard.png") });

        // The trace: its detail page lists a span of each of the three services, the Notifier's receiving the alert.
        await page.GotoAsync(new Uri(fixture.Dashboard.BaseAddress!, $"/traces/detail/{traceId}").ToString());
        await Assertions.Expect(page.GetByText("receive fraud.alerts").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        foreach (var service in TracePath)
        {
            await Assertions.Expect(page.GetByText(service, new() { Exact = true }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        var screenshot = Path.Combine(AppHostPaths.Artefacts, "aspire-dashboard-trace.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot });
        new FileInfo(screenshot).Length.Should().BeGreaterThan(20_000, "the page rendered");
        output.WriteLine($"screenshots in {AppHostPaths.Artefacts}");
    }

    /// <summary>
    /// Every resource's row says Running. On a busy machine the dashboard's Blazor circuit sometimes fails while it
    /// connects ("An unhandled error has occurred. Reload", no resources listed): the page is then reloaded, as a
    /// user would, at most twice, and each time it failed is printed.
    /// </summary>
    private async Task ExpectEveryResourceRunningAsync(IPage page, string[] resources)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                foreach (var resource in resources)
                {
                    var row = page.Locator("tr.resource-row").Filter(new() { Has = page.Locator(".resource-name-text").GetByText(resource, new() { Exact = true }) });
                    await Assertions.Expect(row.First).ToContainTextAsync("Running", new() { Timeout = 60_000 });
                }
                return;
            }
            catch (PlaywrightException e) when (attempt < 3)
            {
                var failed = await page.GetByText("An unhandled error has occurred").IsVisibleAsync();
                output.WriteLine($"attempt {attempt}: {e.Message.Split('\n')[0]}{(failed ? " (the page's circuit failed)" : "")}; reloading");
                await page.ReloadAsync();
            }
        }
    }

    [Fact, TestPriority(2)]
    public async Task Ctrl_C_ends_the_app_host_and_every_process_it_started()
    {
        // Flowing first, so that every service has work to finish when it is told to stop.
        await fixture.WaitForTraceThroughAsync(TracePath, TimeSpan.FromMinutes(5));
        var pid = fixture.Host.ProcessId;
        var processes = TestAppHost.ProcessesOf(fixture.DataDirectory, pid);
        processes.Should().HaveCountGreaterThan(TestAppHost.Services.Length, "the services run as processes of their own");
        processes.Should().NotContain(p => p.Contains(" run --project ", StringComparison.Ordinal),
            "each service is its built program, with no dotnet run launcher waiting beside it");

        // A bound against a hang, not the target: how long it takes (about 15 s here) is measured and printed.
        var bound = TimeSpan.FromSeconds(60);
        var stopwatch = Stopwatch.StartNew();
        (await fixture.Host.InterruptAsync(bound)).Should().BeTrue($"SIGINT ends the app host\n{fixture.Host.Output}");
        var left = await TestAppHost.WaitForNoProcessesAsync(fixture.DataDirectory, bound - stopwatch.Elapsed, pid);
        stopwatch.Stop();

        output.WriteLine($"everything stopped {stopwatch.Elapsed.TotalSeconds:F1} s after SIGINT (app host exit code {fixture.Host.ExitCode})");
        left.Should().BeEmpty($"nothing is left after Ctrl+C\n{fixture.Host.Output}");
    }
}
