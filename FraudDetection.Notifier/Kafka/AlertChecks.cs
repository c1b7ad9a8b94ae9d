using System.Text.RegularExpressions;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Notifier.Kafka;

/// <summary>
/// What an alert must hold before a card holder is messaged about it: what Scoring always writes. Anything else is
/// dead-lettered with the first problem found, so that no message goes out with a full card number, a score that
/// is not one, or a megabyte of merchant name.
/// </summary>
public static partial class AlertChecks
{
    /// <summary>The longest text field an alert may carry (names, places, ids).</summary>
    public const int MaxTextLength = 256;

    /// <summary>
    /// The first reason <paramref name="alert"/> cannot be sent, or null when it can. <paramref name="newestLocalTime"/>:
    /// the newest local_time accepted so far, which a looped replay runs ahead of the clock (a year past the later of it
    /// and now is implausible).
    /// </summary>
    public static string? Problem(FraudAlert? alert, DateTime? newestLocalTime = null)
    {
        if (alert is null)
        {
            return "empty alert";
        }
        if (string.IsNullOrWhiteSpace(alert.TransNum))
        {
            return "alert without trans_num";
        }
        if (string.IsNullOrWhiteSpace(alert.AlertId))
        {
            return "alert without alert_id";
        }
        if (string.IsNullOrWhiteSpace(alert.CardId) && string.IsNullOrWhiteSpace(alert.CardMasked))
        {
            return "alert without card_id and card_masked";
        }
        if (!string.IsNullOrEmpty(alert.CardMasked) && !MaskedCard().IsMatch(alert.CardMasked))
        {
            return "card_masked is not a masked card number (asterisks, then the last 4 digits)";
        }
        if (!double.IsFinite(alert.Amount) || alert.Amount < 0)
        {
            return "amount must be a finite number of at least 0";
        }
        if (!double.IsFinite(alert.Score) || alert.Score is < 0 or > 1 || !double.IsFinite(alert.Threshold) || alert.Threshold is < 0 or > 1)
        {
            return "score and threshold must be numbers from 0 to 1";
        }
        if (!PlausibleDates.IsPlausible(alert.LocalTime, newestLocalTime))
        {
            return "local_time is before 1970 or more than a year after now and after the newest alert";
        }
        string?[] texts = [alert.AlertId, alert.TransNum, alert.CardId, alert.CardMasked, alert.HolderFirst, alert.Currency,
            alert.Merchant, alert.Category, alert.City, alert.State, alert.ModelVersion];
        if (texts.Any(t => t?.Length > MaxTextLength))
        {
            return $"a text field is longer than {MaxTextLength} characters";
        }
        return null;
    }

    [GeneratedRegex(@"^\*{1,15}\d{0,4}$")]
    private static partial Regex MaskedCard();
}
