using System.Text.Json.Serialization;

namespace FraudDetection.Web.Clients;

// What the pages read from the other services' APIs: only the fields shown here (the services own the full contracts).

public sealed record ProducerStatus(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("rate")] double Rate,
    [property: JsonPropertyName("sent")] long Sent,
    [property: JsonPropertyName("acknowledged")] long Acknowledged,
    [property: JsonPropertyName("source")] string? Source = null);

public sealed record ScoringStats(
    [property: JsonPropertyName("consumer_status")] string ConsumerStatus,
    [property: JsonPropertyName("model_status")] string ModelStatus,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("scored")] long Scored,
    [property: JsonPropertyName("alerts")] long Alerts,
    [property: JsonPropertyName("dead_letters_by_reason")] Dictionary<string, long> DeadLettersByReason,
    [property: JsonPropertyName("labelled")] FraudDetection.Core.Telemetry.LiveQuality? Labelled = null);

public sealed record NotifierStatus(
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("outcomes")] Dictionary<string, long> Outcomes);

public sealed record GraphTotals(
    [property: JsonPropertyName("cards")] long Cards,
    [property: JsonPropertyName("merchants")] long Merchants,
    [property: JsonPropertyName("transactions")] long Transactions);

public sealed record GraphTransaction(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("card")] string Card,
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("amt")] double Amount,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("is_alert")] bool IsAlert,
    [property: JsonPropertyName("is_fraud")] int? IsFraud,
    [property: JsonPropertyName("model_version")] string ModelVersion);

public sealed record MerchantVolume(
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("transactions")] long Transactions,
    [property: JsonPropertyName("total_amount")] double TotalAmount);

public sealed record FraudCounts(
    [property: JsonPropertyName("transactions")] long Transactions,
    [property: JsonPropertyName("alerts")] long Alerts,
    [property: JsonPropertyName("not_alerts")] long NotAlerts,
    [property: JsonPropertyName("labelled_fraud")] long LabelledFraud,
    [property: JsonPropertyName("labelled_not_fraud")] long LabelledNotFraud);

[JsonSerializable(typeof(ProducerStatus))]
[JsonSerializable(typeof(ScoringStats))]
[JsonSerializable(typeof(NotifierStatus))]
[JsonSerializable(typeof(GraphTotals))]
[JsonSerializable(typeof(IReadOnlyList<GraphTransaction>))]
[JsonSerializable(typeof(IReadOnlyList<MerchantVolume>))]
[JsonSerializable(typeof(FraudCounts))]
internal sealed partial class ServiceJsonContext : JsonSerializerContext;
