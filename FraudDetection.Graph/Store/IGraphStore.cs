namespace FraudDetection.Graph.Store;

/// <summary>
/// The graph of cards and merchants: <c>(:Card)-[:TRANSACTION]->(:Merchant)</c>. Writes are idempotent on
/// <c>trans_num</c>; both implementations (Neo4j, embedded SQLite) answer the same query set the same way.
/// </summary>
public interface IGraphStore
{
    /// <summary>Creates constraints/tables/indexes if missing.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken = default);

    /// <summary>Merges the edges (and their nodes) in one transaction; a re-delivered edge updates, never duplicates.</summary>
    Task WriteAsync(IReadOnlyList<GraphEdge> edges, CancellationToken cancellationToken = default);

    /// <summary>Records verdicts learned after scoring (the newest per transaction wins) and marks their edges.</summary>
    Task LabelAsync(IReadOnlyList<FraudLabel> labels, CancellationToken cancellationToken = default);

    /// <summary>The newest verdicts, each with its transaction when the graph has it.</summary>
    Task<IReadOnlyList<GraphLabel>> LatestLabelsAsync(int limit, CancellationToken cancellationToken = default);

    Task<GraphTotals> TotalsAsync(CancellationToken cancellationToken = default);

    /// <summary>Newest transactions first, with their prediction.</summary>
    Task<IReadOnlyList<GraphTransaction>> LatestTransactionsAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Merchants by number of transactions (then name).</summary>
    Task<IReadOnlyList<MerchantVolume>> MerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default);

    Task<FraudCounts> FraudCountsAsync(CancellationToken cancellationToken = default);

    /// <summary>Merchants with alerts or labelled fraud, most alerts first.</summary>
    Task<IReadOnlyList<MerchantFraud>> FraudByMerchantAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Non-empty amount bins of <paramref name="binWidth"/>; amounts from <paramref name="openFrom"/> up share the last, open bin.</summary>
    Task<IReadOnlyList<AmountBin>> AmountDistributionAsync(double binWidth, double openFrom, CancellationToken cancellationToken = default);

    /// <summary>Newest alerted transactions with where they happened.</summary>
    Task<IReadOnlyList<FraudGeoPoint>> FraudGeoPointsAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>The card's transactions in the window and its merchants' other cards; null when the card is unknown.</summary>
    Task<CardNeighbourhood?> CardNeighbourhoodAsync(long ccNum, GraphWindow window, CancellationToken cancellationToken = default);

    /// <summary>Merchants used in the window by at least <paramref name="minAlertedCards"/> cards that had an alert in the window.</summary>
    Task<IReadOnlyList<SharedMerchant>> MerchantsSharedByAlertedCardsAsync(GraphWindow window, int minAlertedCards, int limit, CancellationToken cancellationToken = default);

    /// <summary>Consecutive transactions of a card (in the window) implying a speed above <paramref name="speedKmh"/>, fastest first.</summary>
    Task<IReadOnlyList<ImpossibleTravel>> ImpossibleTravelAsync(GraphWindow window, double speedKmh, int limit, CancellationToken cancellationToken = default);
}
