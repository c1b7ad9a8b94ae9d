using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The whole system started by Aspire's test host from the real app host (every service its own process, the
/// development broker, Prometheus): healthy, flowing end to end, stopping with no process left, and a second run on the
/// same data directory going on where the first stopped.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SystemRunTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromMinutes(4);
    private readonly string _data = TestAppHost.NewDataDirectory();

    public void Dispose() => TestAppHost.DeleteDataDirectory(_data);

    [Fact]
    public async Task Every_resource_turns_healthy_transactions_flow_everywhere_nothing_is_left_after_stop_and_a_second_run_resumes()
    {
        var started = DateTime.UtcNow;
        await using (var app = await StartHealthyAsync())
        {
            output.WriteLine($"every resource healthy after {(DateTime.UtcNow - started).TotalSeconds:F0} s");
            using var scoring = app.CreateHttpClient("scoring");
            var stats = await PollAsync(() => scoring.GetFromJsonAsync<JsonElement>("/api/scoring/stats"),
                s => s.GetProperty("scored").GetInt64() >= 1000 && s.GetProperty("alerts").GetInt64() >= 1, "1,000 scored and an alert");
            output.WriteLine($"flowing after {(DateTime.UtcNow - started).TotalSeconds:F0} s: {stats.GetProperty("scored")} scored, {stats.GetProperty("alerts")} alerts");

            using var notifier = app.CreateHttpClient("notifier");
            var outbox = await PollAsync(() => notifier.GetFromJsonAsync<JsonElement>("/api/notifications"), o => o.GetArrayLength() >= 1, "a dry-run notification");
            outbox[0].GetProperty("card_masked").GetString().Should().MatchRegex(@"^\*+\d{4}$", "the card holder's message names the card by its last 4 digits");

            using var graph = app.CreateHttpClient("graph");
            await PollAsync(() => graph.GetFromJsonAsync<JsonElement>("/api/graph/totals"), t => t.GetProperty("transactions").GetInt64() >= 1, "edges in the graph");

            using var web = app.CreateHttpClient("web");
            var first = await PollAsync(() => Scored(web), scored => scored > 0, "the web page's scored counter");
            await PollAsync(() => Scored(web), scored => scored > first, "the web page's scored counter moving");
            var page = await web.GetStringAsync("/");
            page.Should().Contain("data-counter=\"scored\"").And.MatchRegex(@"\*\*\*\*\d{4}", "the page shows cards masked");
            page.Should().NotMatchRegex(@"(?<![\d.])\d{13,19}(?![\d.])", "no full card number appears on the page");

            // Stop the replay and let Scoring catch up, so that the rows the next run replays again were all scored here.
            using var producer = app.CreateHttpClient("producer");
            (await producer.PostAsync("/api/producer/stop", null)).EnsureSuccessStatusCode();
            var sent = (await producer.GetFromJsonAsync<JsonElement>("/api/producer")).GetProperty("acknowledged").GetInt64();
            // The broker is fresh, so Scoring's offsets count every message of this run: history and replay alike.
            await PollAsync(() => scoring.GetFromJsonAsync<JsonElement>("/api/scoring/stats"),
                s => s.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("next_offset").GetInt64()) >= sent,
                $"Scoring through all {sent} transactions produced");
            await app.StopAsync();
        }
        var left = await TestAppHost.WaitForNoProcessesAsync(_data, TimeSpan.FromSeconds(30));
        left.Should().BeEmpty("stopping the app host ends every process it started");

        // A second run on the same data directory: the champion is reused and the replay goes on where it stopped.
        await using (var again = await StartHealthyAsync())
        {
            using var training = again.CreateHttpClient("training");
            (await training.GetFromJsonAsync<JsonElement>("/api/training/runs")).GetArrayLength().Should().Be(0, "the first run's champion is reused, no starter is trained");
            using var producer = again.CreateHttpClient("producer");
            (await producer.GetFromJsonAsync<JsonElement>("/api/producer")).GetProperty("resumedAtRow").GetInt64().Should().BeGreaterThan(0, "the replay resumes");
            using var scoring = again.CreateHttpClient("scoring");
            await PollAsync(() => scoring.GetFromJsonAsync<JsonElement>("/api/scoring/stats"),
                s => s.GetProperty("model_version").GetString() == "1" && s.GetProperty("duplicates").GetInt64() >= 1,
                "the overlap replayed at the resume recognised as duplicates");
            await again.StopAsync();
        }
        (await TestAppHost.WaitForNoProcessesAsync(_data, TimeSpan.FromSeconds(30))).Should().BeEmpty();
    }

    private async Task<DistributedApplication> StartHealthyAsync()
    {
        var builder = await TestAppHost.CreateAsync(TestAppHost.Arguments(_data));
        var app = await builder.BuildAsync();
        using var budget = new CancellationTokenSource(StartBudget);
        try
        {
            await app.StartAsync(budget.Token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            foreach (var resource in TestAppHost.RunResources(builder))
            {
                await notifications.WaitForResourceHealthyAsync(resource, budget.Token);
            }
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<long> Scored(HttpClient web)
    {
        var counters = await web.GetFromJsonAsync<JsonElement>("/api/web/counters");
        return counters.EnumerateArray().Single(c => c.GetProperty("key").GetString() == "scored").GetProperty("total") is { ValueKind: JsonValueKind.Number } total
            ? total.GetInt64()
            : 0;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        T value = default!;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                value = await read();
                if (done(value))
                {
                    return value;
                }
            }
            catch (HttpRequestException e)
            {
                last = e;
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"waited 120 s for {what}; last: {value}", last);
    }
}
