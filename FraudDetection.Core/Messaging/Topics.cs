namespace FraudDetection.Core.Messaging;

/// <summary>Every Kafka topic name of the system, here and nowhere else (docs/architecture.md, Contracts).</summary>
public static class Topics
{
    /// <summary>Raw transactions; key = cc_num, value = <see cref="Transactions.Transaction"/> JSON.</summary>
    public const string Transactions = "transactions";

    /// <summary>Every scored transaction; value = <see cref="ScoredTransaction"/> JSON.</summary>
    public const string Scored = "transactions.scored";

    /// <summary>Suspicious transactions; value = <see cref="FraudAlert"/> JSON (card masked).</summary>
    public const string Alerts = "fraud.alerts";

    /// <summary>Input Scoring could not use; value = <see cref="DeadLetter"/> JSON.</summary>
    public const string DeadLetter = "transactions.deadletter";

    /// <summary>Alerts the Notifier could not deliver on any channel; value = <see cref="NotificationDeadLetter"/> JSON.</summary>
    public const string NotificationsDeadLetter = "notifications.deadletter";

    /// <summary>
    /// What was learned about a transaction after it was scored (<see cref="FraudLabel"/> JSON): a chargeback, the card
    /// holder's answer to the alert message, an analyst's verdict. Key = the card id (<see cref="FraudLabel.CardId"/>).
    /// </summary>
    public const string Labels = "fraud.labels";

    /// <summary>
    /// Each card partition's daily totals per merchant (<see cref="Features.Merchant.MerchantMessage"/>, kind partials,
    /// binary), sent by Scoring when a card partition closes a day; partition = the merchant stage partition that owns
    /// the merchants (merchant id mod partitions), so the stage scales out by its partitions.
    /// </summary>
    public const string MerchantPartials = "merchant.partials";

    /// <summary>
    /// The merchant table: the merchant stage's completed days (kind table, binary), each merchant's totals over all
    /// cards, and how far they are complete; every Scoring instance reads all of it. Immutable facts per (merchant,
    /// day): compaction-safe and readable by a reader at any lag. Partition = the stage partition that wrote it.
    /// </summary>
    public const string MerchantFeatures = "merchant.features";

    /// <summary>
    /// Scoring's checkpoints when <c>Scoring:CheckpointStore=kafka</c>: compacted, created by the store itself (so not in
    /// <see cref="All"/>); key = <c>{group}/{topic}/{partition}</c>, value = a versioned binary envelope.
    /// </summary>
    public const string ScoringCheckpoints = "scoring.checkpoints";

    public static IReadOnlyList<string> All { get; } = [Transactions, Scored, Alerts, DeadLetter, NotificationsDeadLetter, Labels, MerchantPartials, MerchantFeatures];

    /// <summary>Kafka header carrying W3C trace context from producer to consumers.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>
    /// Kafka header on a <see cref="Transactions"/> message that is card history, not traffic: Scoring folds it into the
    /// card state (as a backtest's <c>--history</c>) and neither scores, alerts nor emits it. Any value marks it.
    /// </summary>
    public const string HistoryHeader = "fraud-history";
}
