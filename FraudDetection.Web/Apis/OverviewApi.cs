using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using FraudDetection.Web.Clients;
using FraudDetection.Web.Counters;
using FraudDetection.Web.Feed;
using FraudDetection.Web.Pages;

namespace FraudDetection.Web.Apis;

public static class OverviewApi
{
    private const int PanelRows = 20;
    private const int TopMerchants = 10;

    /// <summary>Maps the overview page at <c>/</c> and the fragments it swaps in under <c>/fragments</c>.</summary>
    public static IEndpointRouteBuilder MapOverviewPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", async (CounterSampler counters, LiveFeed feed, IGraphApi graph, IConfiguration configuration, CancellationToken ct) =>
            Results.Content(
                OverviewPage.Render(Navigation(configuration), OverviewPage.Counters(await counters.ReadingsAsync(ct), counters.Quality, counters.Stream),
                    OverviewPage.Panels(await PanelsAsync(graph, ct)), OverviewPage.Feed(feed.Snapshot())),
                "text/html; charset=utf-8"));

        var fragments = app.MapGroup("/fragments").ExcludeFromDescription();
        fragments.MapGet("/counters", async (CounterSampler counters, CancellationToken ct) =>
            Results.Content(OverviewPage.Counters(await counters.ReadingsAsync(ct), counters.Quality, counters.Stream), "text/html; charset=utf-8"));
        fragments.MapGet("/panels", async (IGraphApi graph, CancellationToken ct) =>
            Results.Content(OverviewPage.Panels(await PanelsAsync(graph, ct)), "text/html; charset=utf-8"));
        fragments.MapGet("/feed", (LiveFeed feed) =>
            Results.Content(OverviewPage.Feed(feed.Snapshot()), "text/html; charset=utf-8"));
        return app;
    }

    /// <summary>
    /// Maps <c>/api/web</c>: <c>counters</c> (JSON: totals and rates), <c>feed</c> (the live feed as server-sent events,
    /// one rendered fragment a second) and <c>alerts</c> (JSON: the latest alerts with their reasons).
    /// </summary>
    public static IEndpointRouteBuilder MapOverviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/web").WithTags("Web");
        api.MapGet("/counters", async (CounterSampler counters, CancellationToken ct) => TypedResults.Ok(await counters.ReadingsAsync(ct)));
        api.MapGet("/alerts", (LiveFeed feed) => TypedResults.Ok(feed.Snapshot().Alerts));
        api.MapGet("/feed", (LiveFeed feed, CancellationToken ct) => TypedResults.ServerSentEvents(FeedEvents(feed, ct)));
        return app;
    }

    /// <summary>The header links: this page, and the other services' own pages where the app host published their URLs.</summary>
    internal static IReadOnlyList<NavLink> Navigation(IConfiguration configuration)
    {
        var links = new List<NavLink> { new("Overview", "/"), new("Alert queue", "/alerts") };
        if (ServiceNames.PublicUrl(configuration, ServiceNames.Training) is { } training)
        {
            links.Add(new("Model dictionary", $"{training}/models"));
        }
        if (ServiceNames.PublicUrl(configuration, ServiceNames.Notifier) is { } notifier)
        {
            links.Add(new("Notification outbox", $"{notifier}/api/notifications"));
        }
        return links;
    }

    private static async Task<GraphPanels> PanelsAsync(IGraphApi graph, CancellationToken ct)
    {
        var counts = TryAsync(() => graph.GetFraudCountsAsync(ct));
        var merchants = TryAsync(() => graph.GetMerchantsByVolumeAsync(TopMerchants, ct));
        var latest = TryAsync(() => graph.GetLatestTransactionsAsync(PanelRows, ct));
        return new GraphPanels(await counts, await merchants, await latest);
    }

    /// <summary>A panel whose service does not answer shows that, and the page still renders.</summary>
    private static async Task<T?> TryAsync<T>(Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> FeedEvents(LiveFeed feed, [EnumeratorCancellation] CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            yield return new SseItem<string>(OverviewPage.Feed(feed.Snapshot()).ReplaceLineEndings(" "), "feed");
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
