using System.Text.Json;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>Why a message was refused: a <see cref="DeadLetterReasons"/> value and a human-readable error.</summary>
public readonly record struct Rejection(string Reason, string Error);

/// <summary>Parses a <c>transactions</c> value and refuses what cannot be scored (dead-letter reasons).</summary>
public static class TransactionValidator
{
    /// <summary>
    /// The transaction, or why not. Never throws on bad input. <paramref name="newestEvent"/>: the newest event time the
    /// stream has accepted (the partition's clock), which a replay runs ahead of the wall clock.
    /// </summary>
    public static Transaction? TryParse(ReadOnlySpan<byte> value, out Rejection rejection, DateTime? newestEvent = null)
    {
        if (TransactionJson.TryReadFast(value) is { } fast)
        {
            return Validate(fast, out rejection, newestEvent) ? fast : null;
        }
        Transaction? transaction;
        try
        {
            transaction = JsonSerializer.Deserialize(value, FraudJsonContext.Default.Transaction);
        }
        catch (JsonException e)
        {
            rejection = Classify(value, e);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException or OverflowException)
        {
            rejection = new Rejection(DeadLetterReasons.Unparseable, e.Message);
            return null;
        }

        if (transaction is null)
        {
            rejection = new Rejection(DeadLetterReasons.Unparseable, "value is JSON null");
            return null;
        }
        return Validate(transaction, out rejection, newestEvent) ? transaction : null;
    }

    /// <summary>Business validation of a parsed transaction.</summary>
    public static bool Validate(Transaction t, out Rejection rejection, DateTime? newestEvent = null)
    {
        if (t.CcNum <= 0)
        {
            rejection = new Rejection(DeadLetterReasons.MissingCard, $"cc_num {t.CcNum} is not a card number");
            return false;
        }
        if (string.IsNullOrWhiteSpace(t.TransNum))
        {
            rejection = new Rejection(DeadLetterReasons.MissingTransNum, "trans_num is empty");
            return false;
        }
        if (!double.IsFinite(t.Amt) || t.Amt < 0)
        {
            rejection = new Rejection(DeadLetterReasons.InvalidAmount, $"amt {t.Amt} is negative or not a finite number");
            return false;
        }
        if (!PlausibleDates.IsPlausible(t.TransDateTransTime, newestEvent))
        {
            rejection = new Rejection(DeadLetterReasons.InvalidDate,
                $"trans_date_trans_time {t.TransDateTransTime:yyyy-MM-dd HH:mm:ss} is not a plausible date (before 1970, or more than a year after now and after the stream's newest event)");
            return false;
        }
        rejection = default;
        return true;
    }

    /// <summary>Maps the feature pipeline's refusal (OnlineFeatureState.Validate) to a dead-letter reason.</summary>
    public static Rejection FromFeatureError(string error) => new(
        error.StartsWith("amt", StringComparison.Ordinal) ? DeadLetterReasons.InvalidAmount
        : error.StartsWith("trans_date_trans_time", StringComparison.Ordinal) ? DeadLetterReasons.InvalidDate
        : DeadLetterReasons.Unparseable,
        error);

    // Only on the error path: find which field made the record unusable.
    private static Rejection Classify(ReadOnlySpan<byte> value, JsonException error)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(value);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return new Rejection(DeadLetterReasons.Unparseable, $"not JSON: {error.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new Rejection(DeadLetterReasons.Unparseable, $"expected a JSON object, got {document.RootElement.ValueKind}");
            }
            var root = document.RootElement;
            if (!HasValue(root, "cc_num"))
            {
                return new Rejection(DeadLetterReasons.MissingCard, "cc_num is missing");
            }
            if (!HasValue(root, "trans_num"))
            {
                return new Rejection(DeadLetterReasons.MissingTransNum, "trans_num is missing");
            }
            if (!HasValue(root, "trans_date_trans_time") || error.Path == "$.trans_date_trans_time")
            {
                return new Rejection(DeadLetterReasons.InvalidDate, "trans_date_trans_time is missing or not a date-time (yyyy-MM-dd HH:mm:ss)");
            }
            if (!HasValue(root, "amt") || error.Path == "$.amt")
            {
                return new Rejection(DeadLetterReasons.InvalidAmount, "amt is missing or not a number");
            }
            if (error.Path == "$.cc_num")
            {
                return new Rejection(DeadLetterReasons.MissingCard, "cc_num is not a card number");
            }
            return new Rejection(DeadLetterReasons.Unparseable, error.Message);
        }
    }

    private static bool HasValue(JsonElement root, string name) =>
        root.TryGetProperty(name, out var property)
        && property.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
        && !(property.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(property.GetString()));
}
