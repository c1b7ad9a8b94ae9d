using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using FraudDetection.AppHost.Dashboard;

namespace FraudDetection.AppHost.Apis;

public static class AppHostPageApi
{
    private const int LogLines = 40;
    private const int TraceCount = 12;

    /// <summary>Maps the page at <c>/</c> and its data under <c>/api/apphost</c>.</summary>
    public static IEndpointRouteBuilder MapAppHostPage(this IEndpointRouteBuilder app)
    {
        // Resolve the collectors now so that counting and span capture start with the host, not with the first visit.
        _ = app.ServiceProvider.GetRequiredService<CounterCollector>();
        _ = app.ServiceProvider.GetRequiredService<TraceCollector>();

        app.MapGet("/", async (ResourceMonitor monitor, CounterCollector counters, TraceCollector traces, LiveFeed feed, CancellationToken ct) =>
            Results.Content(
                DashboardPage.Render(
                    "FraudDetection",
                    DashboardPage.Counters(counters.Readings()),
                    DashboardPage.Resources(await monitor.ResourcesAsync(LogLines, ct)),
                    DashboardPage.Feed(feed.Snapshot()),
                    DashboardPage.Traces(traces.Recent(TraceCount))),
                "text/html; charset=utf-8"));

        var api = app.MapGroup("/api/apphost");

        api.MapGet("/state", async (ResourceMonitor monitor, CounterCollector counters, LiveFeed feed, CancellationToken ct) =>
        {
            var resources = await monitor.ResourcesAsync(10, ct);
            var snapshot = feed.Snapshot();
            return Results.Json(new
            {
                resources = resources.Select(r => new { r.Name, r.Kind, r.State, r.Health, r.Endpoints, r.Checks }),
                counters = counters.Readings().ToDictionary(c => c.Key, c => c.Total),
                instruments = counters.All(),
                feed = new { snapshot.Scored, snapshot.PredictedFraud, snapshot.PredictedNotFraud, alerts = snapshot.Alerts.Count },
            });
        });

        api.MapGet("/fragments/counters", (CounterCollector counters) =>
            Results.Content(DashboardPage.Counters(counters.Readings()), "text/html; charset=utf-8"));
        api.MapGet("/fragments/resources", async (ResourceMonitor monitor, CancellationToken ct) =>
            Results.Content(DashboardPage.Resources(await monitor.ResourcesAsync(LogLines, ct)), "text/html; charset=utf-8"));
        api.MapGet("/fragments/traces", (TraceCollector traces) =>
            Results.Content(DashboardPage.Traces(traces.Recent(TraceCount)), "text/html; charset=utf-8"));
        api.MapGet("/fragments/feed", (LiveFeed feed) =>
            Results.Content(DashboardPage.Feed(feed.Snapshot()), "text/html; charset=utf-8"));

        // The live feed: the KB panels, re-rendered once a second, as server-sent events.
        api.MapGet("/feed", (LiveFeed feed, CancellationToken ct) => TypedResults.ServerSentEvents(FeedEvents(feed, ct)));

        api.MapGet("/traces", (TraceCollector traces) => Results.Json(traces.Recent(TraceCount)));
        return app;
    }

    private static async IAsyncEnumerable<SseItem<string>> FeedEvents(LiveFeed feed, [EnumeratorCancellation] CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            yield return new SseItem<string>(DashboardPage.Feed(feed.Snapshot()).ReplaceLineEndings(" "), "feed");
        }
        while (await Next(timer, ct));
    }

    private static async Task<bool> Next(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
