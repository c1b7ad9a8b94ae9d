using FraudDetection.Graph.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FraudDetection.Graph.Apis;

public static class GraphApi
{
    /// <summary>
    /// Maps <c>GET /api/graph/...</c>: the KB panels and the investigation queries. Windows are
    /// <c>from</c>/<c>to</c> in transaction time (ISO-8601, holder's local time; absent = unbounded).
    /// Cards come back masked to their last 4 digits. Lists take <c>limit</c> 1..<see cref="QueryBounds.MaxPageSize"/>
    /// and windows at most <see cref="QueryBounds.MaxWindow"/>; anything else is a 400 problem.
    /// </summary>
    public static IEndpointRouteBuilder MapGraphApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/graph").WithTags("Graph");

        api.MapGet("/totals", (IGraphStore store, CancellationToken ct) => store.TotalsAsync(ct))
            .WithSummary("Cards, merchants and transactions in the graph.");

        api.MapGet("/transactions/latest", async Task<Results<Ok<IReadOnlyList<GraphTransaction>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, int limit = 20) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem : TypedResults.Ok(await store.LatestTransactionsAsync(limit, ct)))
            .WithSummary("The newest transactions with their score and decision.");

        api.MapGet("/labels/latest", async Task<Results<Ok<IReadOnlyList<GraphLabel>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, int limit = 20) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem : TypedResults.Ok(await store.LatestLabelsAsync(limit, ct)))
            .WithSummary("The newest verdicts learned after scoring (chargebacks, holders' answers, analysts'), each with its transaction.");

        api.MapGet("/merchants/by-volume", async Task<Results<Ok<IReadOnlyList<MerchantVolume>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, int limit = 10) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem : TypedResults.Ok(await store.MerchantsByVolumeAsync(limit, ct)))
            .WithSummary("Merchants by number of transactions.");

        api.MapGet("/fraud/counts", (IGraphStore store, CancellationToken ct) => store.FraudCountsAsync(ct))
            .WithSummary("Alerts against passes, and labelled fraud against genuine.");

        api.MapGet("/fraud/by-merchant", async Task<Results<Ok<IReadOnlyList<MerchantFraud>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, int limit = 10) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem : TypedResults.Ok(await store.FraudByMerchantAsync(limit, ct)))
            .WithSummary("Merchants by number of alerts.");

        api.MapGet("/fraud/geo", async Task<Results<Ok<IReadOnlyList<FraudGeoPoint>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, int limit = 500) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem : TypedResults.Ok(await store.FraudGeoPointsAsync(limit, ct)))
            .WithSummary("Where alerted transactions happened.");

        api.MapGet("/amounts/distribution", async Task<Results<Ok<IReadOnlyList<AmountBin>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, double binWidth = 50, double openFrom = 1000) =>
        {
            // NaN passes every comparison and Infinity (1e400) makes no bins: both are refused with the negatives.
            if (!double.IsFinite(binWidth) || !double.IsFinite(openFrom) || binWidth <= 0 || openFrom < binWidth)
            {
                return TypedResults.Problem("binWidth must be a positive number and openFrom a number at least binWidth",
                    statusCode: StatusCodes.Status400BadRequest);
            }
            return TypedResults.Ok(await store.AmountDistributionAsync(binWidth, openFrom, ct));
        })
            .WithSummary("Amount bins with their alert counts.");

        api.MapGet("/cards/{ccNum:long}/neighbourhood", async Task<Results<Ok<CardNeighbourhood>, NotFound, ProblemHttpResult>> (
            long ccNum, IGraphStore store, CancellationToken ct, DateTime? from = null, DateTime? to = null) =>
            QueryBounds.CheckWindow(from, to) is { } problem ? problem
            : await store.CardNeighbourhoodAsync(ccNum, GraphWindow.Of(from, to), ct) is { } neighbourhood
                ? TypedResults.Ok(neighbourhood)
                : TypedResults.NotFound())
            .WithSummary("A card's transactions in the window, its merchants and the other (alerted) cards that used them.");

        api.MapGet("/merchants/shared-by-alerted-cards", async Task<Results<Ok<IReadOnlyList<SharedMerchant>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, DateTime? from = null, DateTime? to = null, int minCards = 2, int limit = 20) =>
            QueryBounds.FirstProblem(QueryBounds.CheckWindow(from, to), QueryBounds.CheckLimit(limit)) is { } problem ? problem
            : TypedResults.Ok(await store.MerchantsSharedByAlertedCardsAsync(GraphWindow.Of(from, to), Math.Max(1, minCards), limit, ct)))
            .WithSummary("Merchants used by several cards that had an alert in the window (common point of compromise).");

        api.MapGet("/cards/impossible-travel", async Task<Results<Ok<IReadOnlyList<ImpossibleTravel>>, ProblemHttpResult>> (
            IGraphStore store, IOptions<GraphOptions> options, CancellationToken ct,
            DateTime? from = null, DateTime? to = null, double? speedKmh = null, int limit = 50) =>
            QueryBounds.FirstProblem(QueryBounds.CheckWindow(from, to), QueryBounds.CheckLimit(limit), CheckSpeed(speedKmh)) is { } problem ? problem
            : TypedResults.Ok(await store.ImpossibleTravelAsync(GraphWindow.Of(from, to), speedKmh ?? options.Value.ImpossibleTravelKmh, limit, ct)))
            .WithSummary("Consecutive transactions of a card further apart than an airliner flies in the time between.");

        return app;
    }

    private static ProblemHttpResult? CheckSpeed(double? speedKmh) =>
        speedKmh is not { } speed || (double.IsFinite(speed) && speed > 0)
            ? null
            : TypedResults.Problem($"speedKmh must be a positive number, got {speed}", statusCode: StatusCodes.Status400BadRequest,
                title: "Speed out of range");
}
