using FraudDetection.Graph.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FraudDetection.Graph.Apis;

public static class GraphApi
{
    private const int MaxLimit = 10_000;

    /// <summary>
    /// Maps <c>GET /api/graph/...</c>: the KB panels and the investigation queries. Windows are
    /// <c>from</c>/<c>to</c> in transaction time (ISO-8601, holder's local time; absent = unbounded).
    /// Cards come back masked to their last 4 digits.
    /// </summary>
    public static IEndpointRouteBuilder MapGraphApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/graph").WithTags("Graph");

        api.MapGet("/totals", (IGraphStore store, CancellationToken ct) => store.TotalsAsync(ct));

        api.MapGet("/transactions/latest", (IGraphStore store, CancellationToken ct, int limit = 20) =>
            store.LatestTransactionsAsync(Clamp(limit), ct));

        api.MapGet("/merchants/by-volume", (IGraphStore store, CancellationToken ct, int limit = 10) =>
            store.MerchantsByVolumeAsync(Clamp(limit), ct));

        api.MapGet("/fraud/counts", (IGraphStore store, CancellationToken ct) => store.FraudCountsAsync(ct));

        api.MapGet("/fraud/by-merchant", (IGraphStore store, CancellationToken ct, int limit = 10) =>
            store.FraudByMerchantAsync(Clamp(limit), ct));

        api.MapGet("/fraud/geo", (IGraphStore store, CancellationToken ct, int limit = 500) =>
            store.FraudGeoPointsAsync(Clamp(limit), ct));

        api.MapGet("/amounts/distribution", async Task<Results<Ok<IReadOnlyList<AmountBin>>, ProblemHttpResult>> (
            IGraphStore store, CancellationToken ct, double binWidth = 50, double openFrom = 1000) =>
        {
            if (binWidth <= 0 || openFrom < binWidth)
            {
                return TypedResults.Problem("binWidth must be positive and openFrom at least binWidth", statusCode: StatusCodes.Status400BadRequest);
            }
            return TypedResults.Ok(await store.AmountDistributionAsync(binWidth, openFrom, ct));
        });

        api.MapGet("/cards/{ccNum:long}/neighbourhood", async Task<Results<Ok<CardNeighbourhood>, NotFound>> (
            long ccNum, IGraphStore store, CancellationToken ct, DateTime? from = null, DateTime? to = null) =>
            await store.CardNeighbourhoodAsync(ccNum, GraphWindow.Of(from, to), ct) is { } neighbourhood
                ? TypedResults.Ok(neighbourhood)
                : TypedResults.NotFound());

        api.MapGet("/merchants/shared-by-alerted-cards", (IGraphStore store, CancellationToken ct,
            DateTime? from = null, DateTime? to = null, int minCards = 2, int limit = 20) =>
            store.MerchantsSharedByAlertedCardsAsync(GraphWindow.Of(from, to), Math.Max(1, minCards), Clamp(limit), ct));

        api.MapGet("/cards/impossible-travel", (IGraphStore store, IOptions<GraphOptions> options, CancellationToken ct,
            DateTime? from = null, DateTime? to = null, double? speedKmh = null, int limit = 50) =>
            store.ImpossibleTravelAsync(GraphWindow.Of(from, to), speedKmh ?? options.Value.ImpossibleTravelKmh, Clamp(limit), ct));

        return app;
    }

    private static int Clamp(int limit) => Math.Clamp(limit, 1, MaxLimit);
}
