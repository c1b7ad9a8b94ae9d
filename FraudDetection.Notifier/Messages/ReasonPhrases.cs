namespace FraudDetection.Notifier.Messages;

/// <summary>
/// Feature name → a phrase a card holder understands. Matched by the start of a name's words
/// (<c>amt_zscore_30d</c> → "amt", "zscore", "30d"), so new features of the same kind still read well;
/// anything unknown gets a generic phrase.
/// </summary>
public static class ReasonPhrases
{
    private sealed record Phrase(string[] Keywords, string Korean, string English);

    // Order matters: the first rule whose keyword the feature name contains wins.
    private static readonly Phrase[] Rules =
    [
        new(["hour", "night", "weekday", "dow", "tod", "clock"], "평소와 다른 시간대의 결제", "a payment at an unusual time"),
        new(["dist", "geo", "lat", "long", "km", "location", "haversine"], "평소와 다른 먼 곳에서의 결제", "a payment far from where you usually pay"),
        new(["count", "velocity", "freq", "txcount", "since", "gap", "seconds"], "짧은 시간에 잦은 결제", "many payments in a short time"),
        new(["amt", "amount", "spend", "sum"], "평소보다 큰 결제 금액", "an unusually large amount"),
        new(["category", "cat"], "평소 이용하지 않던 업종", "a kind of shop you rarely use"),
        new(["merchant", "merch"], "처음 이용하는 가맹점", "a merchant you have not used before"),
        new(["age", "dob"], "카드 이용 패턴과 맞지 않는 결제", "a payment unlike your usual pattern"),
        new(["pop", "state", "zip", "city"], "평소와 다른 지역의 결제", "a payment in an unusual area"),
    ];

    public static string Describe(string? feature, bool english)
    {
        if (!string.IsNullOrWhiteSpace(feature))
        {
            var words = feature.ToLowerInvariant().Split(['_', '-', '.', ' ', '(', ')', '/'], StringSplitOptions.RemoveEmptyEntries);
            foreach (var rule in Rules)
            {
                if (rule.Keywords.Any(k => words.Any(w => w.StartsWith(k, StringComparison.Ordinal))))
                {
                    return english ? rule.English : rule.Korean;
                }
            }
        }
        return english ? "a payment unlike your usual pattern" : "평소 이용 패턴과 다른 결제";
    }

    /// <summary>The reason that pushed the score up most (largest positive contribution), if any.</summary>
    public static FeatureContribution? Top(IReadOnlyList<FeatureContribution>? reasons) =>
        reasons?.Where(r => r.Contribution > 0).OrderByDescending(r => r.Contribution).FirstOrDefault();
}
