namespace FraudDetection.Training.Graph.Data;

/// <summary>The two kinds of node of the bipartite graph; a transaction is an edge between one of each.</summary>
public enum NodeType
{
    Card = 0,
    Merchant = 1,
}

/// <summary>
/// The input features of a node and of an edge, as seen at a snapshot time s: every one is a function of the edges
/// strictly before s, and a label counts only once it is known (edge time + label delay ≤ s).
/// </summary>
public static class GraphFeatures
{
    public const double SecondsPerDay = 86_400;

    /// <summary>
    /// The node's own edges before s (the same for cards and merchants). Known-fraud windows (1 day, 7 days, the
    /// lookback, as the Handbook's terminal risk features) end at s − label delay: the labels known by s.
    /// </summary>
    public static IReadOnlyList<string> NodeNames { get; } =
    [
        "has_history", "log_edges_all", "log_edges_1d", "log_edges_7d", "log_edges_lookback",
        "mean_log_amt_lookback", "std_log_amt_lookback", "night_share_lookback", "log_days_since_last",
        "log_known_frauds_all", "known_fraud_rate_lookback", "log_known_frauds_lookback",
        "known_fraud_rate_1d", "log_known_frauds_1d", "known_fraud_rate_7d", "log_known_frauds_7d",
    ];

    /// <summary>One edge (a transaction) as seen at s, sent to the node at its other end.</summary>
    public static IReadOnlyList<string> EdgeNames { get; } =
    [
        "log_amt", "hour_sin", "hour_cos", "is_night", "log_age_days", "label_known", "known_fraud",
        .. Core.Features.FeatureCategories.Names.Select(c => $"category_{c}"),
    ];

    public static int NodeCount => NodeNames.Count;
    public static int EdgeCount => EdgeNames.Count;

    /// <summary>Which node features are standardized (the others are flags or shares, left as they are).</summary>
    public static bool[] NodeStandardized { get; } = [false, true, true, true, true, true, true, false, true, true, false, true, false, true, false, true];

    /// <summary>Which edge features are standardized (flags, cyclic hour and one-hot categories are not).</summary>
    public static bool[] EdgeStandardized { get; } = [true, false, false, false, true, false, false, .. Enumerable.Repeat(false, 14)];

    /// <summary>22:00–03:59, as the card feature <c>is_night</c>.</summary>
    public static bool IsNight(int hour) => hour >= 22 || hour <= 3;
}
