namespace FraudDetection.Core.Messaging;

/// <summary>
/// Feature name → a phrase a card holder understands. Known names of the feature schema are mapped one by one;
/// any other name is matched by its words (<c>amt_z_30d</c> → "amt", "z", "30d"): a keyword of five or more letters
/// matches the start of a word, a shorter one the whole word (so "dist" does not match "distinct"). Anything
/// unknown gets a generic phrase.
/// </summary>
public static class ReasonPhrases
{
    private sealed record Phrase(string Korean, string English);

    private static readonly Phrase Time = new("평소와 다른 시간대의 결제", "a payment at an unusual time");
    private static readonly Phrase Distance = new("평소와 다른 먼 곳에서의 결제", "a payment far from where you usually pay");
    private static readonly Phrase Burst = new("짧은 시간에 잦은 결제", "many payments in a short time");
    private static readonly Phrase Amount = new("평소보다 큰 결제 금액", "an unusually large amount");
    private static readonly Phrase Category = new("평소 이용하지 않던 업종", "a kind of shop you rarely use");
    private static readonly Phrase Merchant = new("처음 이용하는 가맹점", "a merchant you have not used before");
    private static readonly Phrase Area = new("평소와 다른 지역의 결제", "a payment in an unusual area");
    private static readonly Phrase NewCard = new("새로 쓰기 시작했거나 거의 쓰지 않던 카드의 결제", "a payment on a new or rarely used card");
    private static readonly Phrase PastFraud = new("이 카드의 최근 부정 사용 이력", "recent fraud on this card");
    private static readonly Phrase Generic = new("평소 이용 패턴과 다른 결제", "a payment unlike your usual pattern");

    // Names of FraudDetection.Core/Features whose words would mislead the keyword rules below.
    private static readonly Dictionary<string, Phrase> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["merchant_visit_count"] = Merchant,
        ["first_time_merchant"] = Merchant,
        ["cat_tx_count"] = Category,
        ["cat_share"] = Category,
        ["card_tx_count"] = NewCard,
        ["card_age_days"] = NewCard,
        ["card_known_frauds"] = PastFraud,
        ["secs_since_known_fraud"] = PastFraud,
        ["age_years"] = Generic,
        ["gender"] = Generic,
    };

    // Order matters: the first rule with a matching word wins.
    private static readonly (string[] Keywords, Phrase Phrase)[] Rules =
    [
        (["hour", "night", "week", "weekend", "dow", "tod", "clock"], Time),
        (["dist", "distance", "km", "geo", "lat", "long", "location", "haversine"], Distance),
        (["count", "cnt", "velocity", "freq", "frequency", "since", "gap", "secs", "seconds"], Burst),
        (["amt", "amount", "spend", "sum", "ratio"], Amount),
        (["category", "categories", "cat"], Category),
        (["merchant", "merch"], Merchant),
        (["pop", "state", "zip", "city"], Area),
        (["age", "dob"], Generic),
    ];

    public static string Describe(string? feature, bool english)
    {
        var phrase = Find(feature);
        return english ? phrase.English : phrase.Korean;
    }

    /// <summary>The reason that pushed the score up most (largest positive contribution), if any.</summary>
    public static FeatureContribution? Top(IReadOnlyList<FeatureContribution>? reasons) =>
        reasons?.Where(r => r.Contribution > 0).OrderByDescending(r => r.Contribution).FirstOrDefault();

    private static Phrase Find(string? feature)
    {
        if (string.IsNullOrWhiteSpace(feature))
        {
            return Generic;
        }
        if (Known.TryGetValue(feature.Trim(), out var known))
        {
            return known;
        }
        var words = feature.ToLowerInvariant().Split(['_', '-', '.', ' ', '(', ')', '/'], StringSplitOptions.RemoveEmptyEntries);
        foreach (var (keywords, phrase) in Rules)
        {
            if (keywords.Any(k => words.Any(w => w == k || (k.Length >= 5 && w.StartsWith(k, StringComparison.Ordinal)))))
            {
                return phrase;
            }
        }
        return Generic;
    }
}
