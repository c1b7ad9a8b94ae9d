using System.Text.Json.Serialization;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Messaging;

/// <summary>One feature's part in a score: its value and its TreeSHAP contribution to the raw margin.</summary>
public sealed record FeatureContribution(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("value")] float Value,
    [property: JsonPropertyName("contribution")] float Contribution);

/// <summary>Where the time went for one transaction, in milliseconds.</summary>
public sealed record ScoringTimings(
    [property: JsonPropertyName("event_to_scored_ms")] double EventToScoredMs,
    [property: JsonPropertyName("inference_ms")] double InferenceMs,
    [property: JsonPropertyName("batch_size")] int BatchSize);

/// <summary>The value on <see cref="Topics.Scored"/>: the transaction and what the model made of it.</summary>
public sealed record ScoredTransaction(
    [property: JsonPropertyName("transaction")] Transaction Transaction,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("is_alert")] bool IsAlert,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("reasons")] IReadOnlyList<FeatureContribution> Reasons,
    [property: JsonPropertyName("timings")] ScoringTimings Timings,
    [property: JsonPropertyName("scored_at")] DateTimeOffset ScoredAt);

/// <summary>The value on <see cref="Topics.Alerts"/>: what the Notifier needs, and no full card number.</summary>
public sealed record FraudAlert(
    [property: JsonPropertyName("alert_id")] string AlertId,
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_masked")] string CardMasked,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("holder_first")] string HolderFirst,
    [property: JsonPropertyName("amount")] double Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("local_time"), JsonConverter(typeof(KaggleDateTimeJsonConverter))] DateTime LocalTime,
    [property: JsonPropertyName("city")] string City,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("reasons")] IReadOnlyList<FeatureContribution> Reasons,
    [property: JsonPropertyName("raised_at")] DateTimeOffset RaisedAt)
{
    /// <summary>Builds the alert for a scored transaction; the card number is masked here and only here.</summary>
    public static FraudAlert From(ScoredTransaction scored)
    {
        var t = scored.Transaction;
        return new FraudAlert(
            AlertId: t.TransNum,
            TransNum: t.TransNum,
            CardMasked: CardMask.Mask(t.CcNum),
            CardId: CardMask.CardId(t.CcNum),
            HolderFirst: t.First,
            Amount: t.Amt,
            Currency: "USD",
            Merchant: t.Merchant,
            Category: t.Category,
            LocalTime: t.TransDateTransTime,
            City: t.City,
            State: t.State,
            Score: scored.Score,
            Threshold: scored.Threshold,
            ModelVersion: scored.ModelVersion,
            Reasons: scored.Reasons,
            RaisedAt: scored.ScoredAt);
    }
}

/// <summary>The value on <see cref="Topics.DeadLetter"/>: the raw input, why it was refused, and where it came from.</summary>
public sealed record DeadLetter(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("source_topic")] string SourceTopic,
    [property: JsonPropertyName("source_partition")] int SourcePartition,
    [property: JsonPropertyName("source_offset")] long SourceOffset,
    [property: JsonPropertyName("raw_key")] byte[]? RawKey,
    [property: JsonPropertyName("raw_value")] byte[]? RawValue,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>The value on <see cref="Topics.NotificationsDeadLetter"/>: an alert no channel took, with the provider's answer.</summary>
public sealed record NotificationDeadLetter(
    [property: JsonPropertyName("alert")] FraudAlert Alert,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>Machine-readable dead-letter reasons (also the metric label).</summary>
public static class DeadLetterReasons
{
    public const string Unparseable = "unparseable";
    public const string MissingCard = "missing_card";
    public const string InvalidAmount = "invalid_amount";
    public const string InvalidDate = "invalid_date";
    public const string MissingTransNum = "missing_trans_num";

    /// <summary>Every reason, so that each metric series exists (at 0) from the start.</summary>
    public static IReadOnlyList<string> All { get; } = [Unparseable, MissingCard, InvalidAmount, InvalidDate, MissingTransNum];
}
