using Refit;

namespace FraudDetection.Web.Clients;

/// <summary>The Producer's control API (<c>http://producer</c>).</summary>
public interface IProducerApi
{
    [Get("/api/producer")]
    Task<ProducerStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>Scoring's statistics (<c>http://scoring</c>).</summary>
public interface IScoringApi
{
    [Get("/api/scoring/stats")]
    Task<ScoringStats> GetStatsAsync(CancellationToken cancellationToken = default);
}

/// <summary>The Notifier's delivery status (<c>http://notifier</c>).</summary>
public interface INotifierApi
{
    [Get("/api/notifications/status")]
    Task<NotifierStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>The graph's KB panel queries (<c>http://graph</c>); cards come back masked.</summary>
public interface IGraphApi
{
    [Get("/api/graph/totals")]
    Task<GraphTotals> GetTotalsAsync(CancellationToken cancellationToken = default);

    [Get("/api/graph/transactions/latest")]
    Task<IReadOnlyList<GraphTransaction>> GetLatestTransactionsAsync(int limit, CancellationToken cancellationToken = default);

    [Get("/api/graph/merchants/by-volume")]
    Task<IReadOnlyList<MerchantVolume>> GetMerchantsByVolumeAsync(int limit, CancellationToken cancellationToken = default);

    [Get("/api/graph/fraud/counts")]
    Task<FraudCounts> GetFraudCountsAsync(CancellationToken cancellationToken = default);
}
