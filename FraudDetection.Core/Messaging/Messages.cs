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
            HolderFirst: t.First ?? "", // absent in a data set without holder names (a mapped file)
            Amount: t.Amt,
            Currency: "USD",
            Merchant: t.Merchant,
            Category: t.Category ?? "",
            LocalTime: t.TransDateTransTime,
            City: t.City ?? "",
            State: t.State ?? "",
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

/// <summary>
/// The value on <see cref="Topics.Labels"/>: a verdict on one transaction learned after it was scored. No full card
/// number: <see cref="CardId"/> is the pseudonymous id the alert carries (<see cref="CardMask.CardId"/>).
/// </summary>
public sealed record FraudLabel(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("transaction_time"), JsonConverter(typeof(KaggleDateTimeJsonConverter))] DateTime TransactionTime,
    [property: JsonPropertyName("learned_at")] DateTimeOffset LearnedAt,
    [property: JsonPropertyName("alert_id")] string? AlertId = null,
    [property: JsonPropertyName("note")] string? Note = null)
{
    /// <summary>Whether the label says fraud (<see cref="LabelValues.Fraud"/>).</summary>
    [JsonIgnore]
    public bool IsFraud => Label == LabelValues.Fraud;

    /// <summary>
    /// Reads a <see cref="Topics.Labels"/> value: the verdict, or null with why not (unreadable JSON, a missing
    /// trans_num, card_id or transaction_time, a label or source outside the contract). Every reader uses this one.
    /// </summary>
    public static FraudLabel? TryRead(ReadOnlySpan<byte> value, out string? error)
    {
        FraudLabel? label;
        try
        {
            label = value.IsEmpty ? null : System.Text.Json.JsonSerializer.Deserialize(value, FraudJsonContext.Default.FraudLabel);
        }
        catch (System.Text.Json.JsonException e)
        {
            error = $"not a verdict: {e.Message}";
            return null;
        }
        error = label switch
        {
            null => "empty verdict",
            { TransNum: null or { Length: 0 } } or { CardId: null or { Length: 0 } } => "trans_num and card_id are required",
            _ when label.TransactionTime == default => "transaction_time is required",
            _ when !LabelValues.All.Contains(label.Label) => $"label must be one of {string.Join(", ", LabelValues.All)}",
            _ when !LabelSources.All.Contains(label.Source) => $"source must be one of {string.Join(", ", LabelSources.All)}",
            _ => null,
        };
        return error is null ? label : null;
    }
}

/// <summary>The values of <see cref="FraudLabel.Label"/>.</summary>
public static class LabelValues
{
    public const string Fraud = "fraud";
    public const string Genuine = "genuine";

    public static IReadOnlyList<string> All { get; } = [Fraud, Genuine];
}

/// <summary>Where a <see cref="FraudLabel"/> came from.</summary>
public static class LabelSources
{
    /// <summary>The bank's chargeback process (or its simulation from a labelled file).</summary>
    public const string Chargeback = "chargeback";

    /// <summary>The card holder's answer to the alert message ("it was me" / "it wasn't me").</summary>
    public const string Customer = "customer";

    /// <summary>A fraud analyst's verdict in the review queue.</summary>
    public const string Analyst = "analyst";

    public static IReadOnlyList<string> All { get; } = [Chargeback, Customer, Analyst];
}

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
