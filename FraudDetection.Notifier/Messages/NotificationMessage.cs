namespace FraudDetection.Notifier.Messages;

/// <summary>One message to one recipient about one or more alerts of one card (several → a summary).</summary>
public sealed record NotificationMessage(
    string RecipientKey,
    string CardMasked,
    IReadOnlyList<FraudAlert> Alerts,
    string Text,
    string LinkUrl,
    string ButtonTitle,
    string TemplateObjectJson)
{
    public bool IsSummary => Alerts.Count > 1;

    /// <summary>Set when a fallback channel carries it: why the primary did not (e.g. "kakao-memo -532 ...").</summary>
    public string? FallbackReason { get; init; }
}
