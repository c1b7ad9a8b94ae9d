namespace FraudDetection.Core.Telemetry;

/// <summary>
/// Meter names and instrument names of every service, in one place so that dashboards and code agree.
/// Prometheus names follow OpenTelemetry's conversion: dots become underscores, counters gain "_total",
/// and a unit is appended (e.g. "ms" → "_milliseconds").
/// </summary>
public static class FraudMetrics
{
    public const string ProducerMeter = "FraudDetection.Producer";
    public const string ScoringMeter = "FraudDetection.Scoring";
    public const string GraphMeter = "FraudDetection.Graph";
    public const string NotifierMeter = "FraudDetection.Notifier";
    public const string TrainingMeter = "FraudDetection.Training";

    // Producer
    public const string TransactionsProduced = "fraud.producer.transactions.produced";   // counter {transaction}; label scenario
    public const string ProduceErrors = "fraud.producer.errors";                         // counter; label reason
    public const string ProducerRate = "fraud.producer.rate";                            // gauge tx/s (target)

    // Scoring
    public const string TransactionsScored = "fraud.scoring.transactions.scored";        // counter; label model_version
    public const string AlertsRaised = "fraud.scoring.alerts";                           // counter; label model_version
    public const string DeadLetters = "fraud.scoring.deadletters";                       // counter; label reason
    public const string Duplicates = "fraud.scoring.duplicates";                         // counter
    public const string Score = "fraud.scoring.score";                                   // histogram 0..1; label model_version
    public const string EventToScoredLatency = "fraud.scoring.event_to_scored.duration"; // histogram, unit s
    public const string InferenceLatency = "fraud.scoring.inference.duration";           // histogram, unit s (per batch)
    public const string ConsumerLag = "fraud.scoring.consumer.lag";                      // gauge {message}; label partition
    public const string Labelled = "fraud.scoring.labelled";                             // counter; label outcome (LabelledOutcome)
    public const string HistoryRows = "fraud.scoring.history";                           // counter; label outcome applied|skipped
    public const string DriftPsi = "fraud.drift.psi";                                    // gauge; label feature ("score" for the score), model_version
    public const string DriftAlertRate = "fraud.drift.alert_rate";                       // gauge 0..1; label source live|validation, model_version

    // Graph sink
    public const string GraphEdgesWritten = "fraud.graph.edges.written";                 // counter
    public const string GraphWriteErrors = "fraud.graph.write.errors";                   // counter

    // Notifier
    public const string NotificationsSent = "fraud.notifier.sent";                       // counter; label channel
    public const string NotificationsFailed = "fraud.notifier.failed";                   // counter; label channel, code
    public const string NotificationsRetried = "fraud.notifier.retried";                 // counter
    public const string NotificationsDeduplicated = "fraud.notifier.deduplicated";       // counter
    public const string NotificationsDeadLettered = "fraud.notifier.deadlettered";       // counter
    public const string TokenRefreshes = "fraud.notifier.token.refreshes";               // counter
    public const string AlertToSentLatency = "fraud.notifier.alert_to_sent.duration";    // histogram, unit s
}
