using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FraudDetection.Graph.Neo4j;

/// <summary>The graph in Neo4j through its HTTP Query API; statements from <see cref="CypherStatements"/>.</summary>
public sealed class Neo4jGraphStore : IGraphStore
{
    private readonly INeo4jQueryApi _api;
    private readonly Neo4jConnection _connection;
    private readonly ResiliencePipeline _retry;

    public Neo4jGraphStore(INeo4jQueryApi api, Neo4jConnection connection, ILogger<Neo4jGraphStore> logger, TimeSpan? retryDelay = null)
    {
        _api = api;
        _connection = connection;
        // Statements are idempotent (MERGE), so a transient failure is simply sent again.
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<Neo4jQueryException>(e => e.IsTransient)
                    .Handle<HttpRequestException>(),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = retryDelay ?? TimeSpan.FromMilliseconds(200),
                OnRetry = args =>
                {
                    logger.LogWarning("Neo4j call failed ({Error}); retry {Attempt} in {Delay}", args.Outcome.Exception?.Message, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Runs one statement (retrying transient failures) and returns its rows.</summary>
    public Task<Neo4jResult> RunAsync(string statement, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken = default) =>
        _retry.ExecuteAsync(ct => RunOnceAsync(statement, parameters, ct), cancellationToken).AsTask();

    private async ValueTask<Neo4jResult> RunOnceAsync(string statement, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        using var response = await _api.QueryAsync(_connection.Database, new Neo4jQueryRequest(statement, parameters), cancellationToken);
        if (response.HasRequestError(out var requestError))
        {
            throw new HttpRequestException($"Neo4j at {_connection.Endpoint} did not answer: {requestError.Message}", requestError);
        }
        if (response.HasResponseError(out var apiError))
        {
            var status = apiError.StatusCode;
            if (ParseError(apiError.Content)?.Errors is [var first, ..])
            {
                throw new Neo4jQueryException(status, first.Code, first.Message);
            }
            throw new Neo4jQueryException(status, "Http." + (int)status, apiError.Content is { Length: > 0 } text ? Truncate(text) : apiError.ReasonPhrase ?? "");
        }
        var body = response.Content;
        if (body?.Errors is [var error, ..])
        {
            throw new Neo4jQueryException(response.StatusCode ?? HttpStatusCode.OK, error.Code, error.Message);
        }
        return new Neo4jResult(body?.Data ?? new Neo4jQueryData([], []));
    }

    private static Neo4jQueryResponse? ParseError(string? content)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(content, Neo4jJsonContext.Default.Neo4jQueryResponse);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private static readonly IReadOnlyDictionary<string, object?> NoParameters = new Dictionary<string, object?>();

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken = default)
    {
        foreach (var statement in CypherStatements.Schema)
        {
            await RunAsync(statement, NoParameters, cancellationToken);
        }
    }

    public async Task WriteAsync(IReadOnlyList<GraphEdge> edges, CancellationToken cancellationToken = default)
    {
        if (edges.Count > 0)
        {
            await RunAsync(CypherStatements.MergeEdges, new Dictionary<string, object?> { ["rows"] = edges as GraphEdge[] ?? [.. edges] }, cancellationToken);
        }
    }

    public async Task LabelAsync(IReadOnlyList<FraudLabel> labels, CancellationToken cancellationToken = default)
    {
        if (labels.Count > 0)
        {
            var rows = labels.Select(l => new Neo4jLabelRow(l.TransNum, l.CardId, l.Label, l.Source, GraphLabels.LearnedAt(l))).ToArray();
            await RunAsync(CypherStatements.MergeLabels, new Dictionary<string, object?> { ["rows"] = rows }, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<GraphLabel>> LatestLabelsAsync(int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.LatestLabels, Limit(limit), cancellationToken)).Rows(r => new GraphLabel(
            r.String("trans_num"), r.String("card_id"), r.String("label"), r.String("source"), r.String("learned_at"),
            !r.IsNull("score"), r.IsNull("score") ? null : r.Double("score"), r.IsNull("is_alert") ? null : r.Bool("is_alert"),
            r.IsNull("amt") ? null : r.Double("amt"), r.IsNull("merchant") ? null : r.String("merchant")));

    public async Task<GraphTotals> TotalsAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(CypherStatements.Totals, NoParameters, cancellationToken);
        return result.Rows(r => new GraphTotals(r.Long("cards"), r.Long("merchants"), r.Long("transactions"))).Single();
    }

    public async Task<IReadOnlyList<GraphTransaction>> LatestTransactionsAsync(int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.LatestTransactions, Limit(limit), cancellationToken)).Rows(ReadTransaction);

    public async Task<IReadOnlyList<MerchantVolume>> MerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.MerchantsByVolume, Limit(limit), cancellationToken))
            .Rows(r => new MerchantVolume(r.String("merchant"), r.Long("transactions"), r.Double("total_amount")));

    public async Task<FraudCounts> FraudCountsAsync(CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(CypherStatements.FraudCounts, NoParameters, cancellationToken);
        return result.Rows(r => new FraudCounts(r.Long("transactions"), r.Long("alerts"), r.Long("transactions") - r.Long("alerts"),
            r.Long("labelled_fraud"), r.Long("labelled_not_fraud"))).Single();
    }

    public async Task<IReadOnlyList<MerchantFraud>> FraudByMerchantAsync(int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.FraudByMerchant, Limit(limit), cancellationToken))
            .Rows(r => new MerchantFraud(r.String("merchant"), r.Long("alerts"), r.Long("labelled_fraud"), r.Long("transactions")));

    public async Task<IReadOnlyList<AmountBin>> AmountDistributionAsync(double binWidth, double openFrom, CancellationToken cancellationToken = default)
    {
        var lastBin = AmountBins.LastBin(binWidth, openFrom);
        var result = await RunAsync(CypherStatements.AmountDistribution,
            new Dictionary<string, object?> { ["width"] = binWidth, ["last_bin"] = lastBin }, cancellationToken);
        return result.Rows(r => AmountBins.Bin(r.Long("bin"), binWidth, lastBin, r.Long("transactions"), r.Long("alerts")));
    }

    public async Task<IReadOnlyList<FraudGeoPoint>> FraudGeoPointsAsync(int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.FraudGeoPoints, Limit(limit), cancellationToken))
            .Rows(r => new FraudGeoPoint(r.String("trans_num"), r.String("time"), r.Double("lat"), r.Double("long"), r.Double("amt"),
                r.Double("score"), r.String("merchant"), CardMask.Mask(r.Long("cc_num"))));

    public async Task<CardNeighbourhood?> CardNeighbourhoodAsync(long ccNum, GraphWindow window, CancellationToken cancellationToken = default)
    {
        var card = (await RunAsync(CypherStatements.Card, new Dictionary<string, object?> { ["cc_num"] = ccNum }, cancellationToken))
            .Rows(r => (City: r.String("city"), State: r.String("state")));
        if (card.Count == 0)
        {
            return null;
        }
        var parameters = new Dictionary<string, object?> { ["cc_num"] = ccNum, ["from"] = window.FromTs, ["to"] = window.ToTs };
        var transactions = (await RunAsync(CypherStatements.CardTransactions, parameters, cancellationToken)).Rows(ReadTransaction);
        var merchants = (await RunAsync(CypherStatements.CardMerchants, parameters, cancellationToken))
            .Rows(r => new NeighbourMerchant(r.String("merchant"), r.Long("card_transactions"), r.Long("other_cards"), r.Long("alerted_other_cards")));
        return new CardNeighbourhood(CardMask.Mask(ccNum), CardMask.CardId(ccNum), card[0].City, card[0].State, transactions, merchants);
    }

    public async Task<IReadOnlyList<SharedMerchant>> MerchantsSharedByAlertedCardsAsync(GraphWindow window, int minAlertedCards, int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.MerchantsSharedByAlertedCards, new Dictionary<string, object?>
        {
            ["from"] = window.FromTs, ["to"] = window.ToTs, ["min_cards"] = minAlertedCards, ["limit"] = limit,
        }, cancellationToken)).Rows(r => new SharedMerchant(r.String("merchant"), r.Long("alerted_cards"), r.Long("alerts_here")));

    public async Task<IReadOnlyList<ImpossibleTravel>> ImpossibleTravelAsync(GraphWindow window, double speedKmh, int limit, CancellationToken cancellationToken = default) =>
        (await RunAsync(CypherStatements.ImpossibleTravel, new Dictionary<string, object?>
        {
            ["from"] = window.FromTs, ["to"] = window.ToTs, ["speed_kmh"] = speedKmh, ["limit"] = limit,
        }, cancellationToken)).Rows(r =>
        {
            var ccNum = r.Long("cc_num");
            return new ImpossibleTravel(CardMask.Mask(ccNum), CardMask.CardId(ccNum), r.String("from_trans_num"), r.String("from_time"),
                r.String("from_merchant"), r.String("to_trans_num"), r.String("to_time"), r.String("to_merchant"),
                r.Double("distance_km"), r.Long("seconds"), r.Double("speed_kmh"));
        });

    private static Dictionary<string, object?> Limit(int limit) => new() { ["limit"] = limit };

    private static GraphTransaction ReadTransaction(Neo4jRow r)
    {
        var ccNum = r.Long("cc_num");
        return new GraphTransaction(r.String("trans_num"), r.String("time"), CardMask.Mask(ccNum), CardMask.CardId(ccNum), r.String("merchant"),
            r.String("category"), r.Double("amt"), r.Double("score"), r.Bool("is_alert"), r.NullableInt("is_fraud"), r.String("model_version"));
    }
}
