using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The AppHost from its built output, embedded mode: everything healthy and flowing within 90 s, the page in a real
/// browser, and Ctrl+C ending it within 10 s. One process for all three (collection fixture); the stop test runs last.
/// </summary>
[Collection(EmbeddedAppHostCollection.Name)]
[TestCaseOrderer(PriorityOrderer.TypeName, PriorityOrderer.AssemblyName)]
public sealed class EmbeddedAppHostTests(EmbeddedAppHostFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(90);

    [Fact, TestPriority(1)]
    public async Task Every_resource_turns_healthy_and_transactions_are_scored_alerted_and_notified_within_90_seconds()
    {
        var (state, healthy) = await WaitForFlowAsync();
        var text = state?.ToString() ?? "(no answer)";
        healthy.Should().BeTrue($"every resource must be healthy within 90 s; last state: {text}\n{fixture.Host.Output}");

        var counters = state!.Value.GetProperty("counters");
        counters.GetProperty("scored").GetInt64().Should().BeGreaterThanOrEqualTo(1000, text);
        counters.GetProperty("alerts").GetInt64().Should().BeGreaterThanOrEqualTo(1, text);
        counters.GetProperty("notifications").GetInt64().Should().BeGreaterThanOrEqualTo(1, text);

        // The dry-run outbox holds what the card holder would receive, with the card masked.
        var outbox = await fixture.Http.GetStringAsync("/api/notifications");
        outbox.Should().NotBeNullOrWhiteSpace();
        outbox.Should().MatchRegex(@"\*\*\*\*\d{4}", "the outbox shows the card masked to its last 4 digits");
        output.WriteLine($"healthy and flowing after {(DateTimeOffset.UtcNow - fixture.StartedAt).TotalSeconds:F1} s: {counters}");
    }

    [Fact, TestPriority(2)]
    public async Task The_page_shows_every_resource_healthy_and_the_counters_moving_in_a_real_browser()
    {
        var (_, healthy) = await WaitForFlowAsync();
        healthy.Should().BeTrue(fixture.Host.Output);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 2000 } });
        await page.GotoAsync(fixture.Host.BaseUrl.ToString());

        var rows = page.Locator("tr.resource");
        (await rows.CountAsync()).Should().BeGreaterThanOrEqualTo(7, "Kafka, registry, producer, scoring, graph sink, notifier, training and the AppHost are listed");
        foreach (var row in await rows.AllAsync())
        {
            var name = await row.GetAttributeAsync("data-resource");
            (await row.GetAttributeAsync("data-health")).Should().Be("Healthy", $"resource {name} is shown healthy");
        }

        var scored = page.Locator("[data-counter=scored]");
        var first = long.Parse((await scored.GetAttributeAsync("data-value"))!);
        // The counters fragment refreshes every second: wait for a larger value.
        await page.WaitForFunctionAsync(
            $"() => Number(document.querySelector('[data-counter=scored]').dataset.value) > {first}",
            null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        var later = long.Parse((await scored.GetAttributeAsync("data-value"))!);
        later.Should().BeGreaterThan(first);

        // The live feed (server-sent events) fills the latest-transactions panel with masked cards only.
        await page.WaitForSelectorAsync("tr.tx-row", new PageWaitForSelectorOptions { Timeout = 15_000 });
        var feedText = await page.Locator("#feed").InnerTextAsync();
        feedText.Should().MatchRegex(@"\*\*\*\*\d{4}");
        feedText.Should().NotMatchRegex(@"(?<!\d)\d{12,19}(?!\d)", "no full card number appears on the page");

        // Recent traces: a flow across the Kafka hop drawn as a waterfall.
        await page.WaitForSelectorAsync("details.trace summary:has-text('Producer → Scoring')", new PageWaitForSelectorOptions { Timeout = 15_000 });
        (await page.Locator("details.trace[open] .waterfall .span").CountAsync()).Should().BeGreaterThanOrEqualTo(2);

        var screenshot = Path.Combine(AppHostPaths.Artefacts, "apphost-page.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        new FileInfo(screenshot).Length.Should().BeGreaterThan(10_000);
        output.WriteLine($"screenshot: {screenshot}");
    }

    [Fact, TestPriority(3)]
    public async Task Ctrl_C_ends_the_AppHost_within_10_seconds_with_no_process_left()
    {
        await WaitForFlowAsync();
        var pid = fixture.Host.ProcessId;
        var stopwatch = Stopwatch.StartNew();
        var exited = await fixture.Host.InterruptAsync(TimeSpan.FromSeconds(10));
        stopwatch.Stop();

        exited.Should().BeTrue($"SIGINT must end the AppHost within 10 s\n{fixture.Host.Output}");
        output.WriteLine($"stopped in {stopwatch.Elapsed.TotalSeconds:F1} s, exit code {fixture.Host.ExitCode}");
        fixture.Host.ExitCode.Should().Be(0, fixture.Host.Output);
        Directory.Exists($"/proc/{pid}").Should().BeFalse("the process is gone");
        ProcessesMentioning(fixture.Host.DataDirectory).Should().BeEmpty("the AppHost leaves no process behind");
    }

    [Fact, TestPriority(4)]
    public async Task A_second_run_on_the_same_data_directory_resumes_without_retraining_or_counting_twice()
    {
        await fixture.Host.InterruptAsync(TimeSpan.FromSeconds(10));
        fixture.Host.Output.Should().Contain("training a starter model", "the first run had no champion");

        await using var second = AppHostProcess.Start(fixture.Arguments, fixture.Host.DataDirectory, fixture.Host.Port);
        using var http = new HttpClient { BaseAddress = second.BaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        var started = DateTimeOffset.UtcNow;
        JsonElement? state = null;
        var resumed = false;
        while (!resumed && DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(60))
        {
            second.HasExited.Should().BeFalse(second.Output);
            await Task.Delay(500);
            try
            {
                state = await http.GetFromJsonAsync<JsonElement>("/api/apphost/state");
            }
            catch (HttpRequestException)
            {
                continue;
            }
            var instruments = state.Value.GetProperty("instruments");
            long Count(string name) => instruments.TryGetProperty(name, out var v) ? v.GetInt64() : 0;
            // The replay goes on where the first run stopped (less an overlap that Scoring recognises by trans_num),
            // and Scoring reads the new in-memory log from its start with the saved card state.
            resumed = AllHealthy(state.Value)
                && Count("fraud.scoring.transactions.scored") >= 1000
                && Count("fraud.scoring.duplicates") >= 1;
        }

        resumed.Should().BeTrue($"the second run must flow again; state {state}\n{second.Output}");
        second.Output.Should().Contain("model: champion").And.NotContain("training a starter model", "the champion is reused");
        second.Output.Should().Contain("replay: resuming", "the replay goes on from the saved position");
        var outbox = await http.GetFromJsonAsync<JsonElement>("/api/notifications");
        outbox.GetArrayLength().Should().BeGreaterThan(0, "the first run's dry-run notifications are still in the outbox");
        (await second.InterruptAsync(TimeSpan.FromSeconds(10))).Should().BeTrue(second.Output);
    }

    /// <summary>Polls the state until every resource is healthy and the flow counters pass the bar, or 90 s after start.</summary>
    private async Task<(JsonElement? State, bool Healthy)> WaitForFlowAsync()
    {
        JsonElement? state = null;
        while (DateTimeOffset.UtcNow - fixture.StartedAt < StartBudget)
        {
            fixture.Host.HasExited.Should().BeFalse($"the AppHost exited early:\n{fixture.Host.Output}");
            state = await fixture.StateAsync();
            if (state is { } s && AllHealthy(s) && Flowing(s))
            {
                return (state, true);
            }
            await Task.Delay(500);
        }
        return (state, false);
    }

    private static bool AllHealthy(JsonElement state) =>
        state.GetProperty("resources").EnumerateArray().All(r => r.GetProperty("health").GetString() == "Healthy");

    private static bool Flowing(JsonElement state)
    {
        var c = state.GetProperty("counters");
        return c.GetProperty("scored").GetInt64() >= 1000 && c.GetProperty("alerts").GetInt64() >= 1 && c.GetProperty("notifications").GetInt64() >= 1;
    }

    /// <summary>Live processes whose command line mentions <paramref name="text"/> (from /proc): children inherit the data dir.</summary>
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (commandLine.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }
}
