namespace FraudDetection.Core.Features;

/// <summary>One feature: its name (the ONNX input column), what it holds, and over which window.</summary>
public sealed record FeatureDefinition(string Name, string Meaning, string Window);

/// <summary>
/// The feature dictionary, in column order. "Undefined" values (no history yet) are -1, except z-scores (0);
/// no feature is ever NaN or infinite. "Previous" always means the card's transactions strictly before this one.
/// </summary>
public static class FeatureDefinitions
{
    public static IReadOnlyList<FeatureDefinition> All { get; } =
    [
        new("amt", "transaction amount", "this transaction"),
        new("log_amt", "ln(1 + amount); amount below 0 counts as 0", "this transaction"),
        new("category", "merchant category code 0..13 in the fixed Kaggle list (FeatureCategories), -1 unknown", "this transaction"),
        new("hour", "local hour of day 0..23", "this transaction"),
        new("day_of_week", "0 = Monday .. 6 = Sunday", "this transaction"),
        new("is_night", "1 when the local hour is 22..23 or 0..3", "this transaction"),
        new("is_weekend", "1 on Saturday and Sunday", "this transaction"),
        new("age_years", "card holder's age at the transaction date (years, fractional); -1 without dob", "this transaction"),
        new("gender", "1 M, 0 F, -1 other/unknown", "this transaction"),
        new("log_city_pop", "ln(1 + population of the card holder's city)", "this transaction"),
        new("home_merchant_km", "great-circle distance home (lat, long) to merchant (merch_lat, merch_long), km", "this transaction"),

        new("secs_since_prev_tx", "seconds since the card's previous transaction; -1 none", "card, all history"),
        new("secs_since_prev_same_merchant", "seconds since the card's previous transaction at this merchant; -1 none remembered", "card, 64-slot merchant cache"),
        new("secs_since_prev_same_category", "seconds since the card's previous transaction in this category; -1 none", "card, all history"),
        new("prev_amt", "amount of the card's previous transaction; -1 none", "card, previous transaction"),
        new("prev_amt_ratio", "previous transaction's amount / the card's mean in its category at that time; -1 unknown", "card, previous transaction"),
        new("gap_vs_typical", "secs_since_prev_tx / the card's typical gap (86400 / daily_count_typical); -1 unknown", "card, 30-day decay"),

        new("cnt_10m", "number of the card's previous transactions", "last 10 minutes"),
        new("sum_10m", "sum of their amounts", "last 10 minutes"),
        new("cnt_1h", "number of the card's previous transactions", "last hour"),
        new("sum_1h", "sum of their amounts", "last hour"),
        new("cnt_24h", "number of the card's previous transactions", "last 24 hours"),
        new("sum_24h", "sum of their amounts", "last 24 hours"),
        new("cnt_7d", "number of the card's previous transactions (at most the 128 most recent)", "last 7 days"),
        new("sum_7d", "sum of their amounts", "last 7 days"),
        new("cnt_night_24h", "previous transactions made at night (is_night)", "last 24 hours"),
        new("cnt_unusual_24h", "previous transactions whose amount was >= 3x the card's mean in their category at their time", "last 24 hours"),
        new("max_ratio_24h", "largest amount / category-mean ratio among previous transactions; -1 none", "last 24 hours"),
        new("distinct_categories_24h", "number of distinct categories among previous transactions", "last 24 hours"),
        new("cnt_same_category_24h", "previous transactions in this transaction's category", "last 24 hours"),
        new("cnt_same_category_7d", "previous transactions in this transaction's category", "last 7 days"),
        new("spend_24h_vs_daily", "(sum_24h + amt) / daily_spend_typical; -1 without history", "last 24 hours vs 30-day decay"),
        new("cnt_24h_vs_daily", "(cnt_24h + 1) / daily_count_typical; -1 without history", "last 24 hours vs 30-day decay"),

        new("card_tx_count", "number of previous transactions of the card", "card, all history"),
        new("card_age_days", "days since the card's first transaction; -1 for a new card", "card, all history"),
        new("daily_spend_typical", "the card's typical daily spend: amounts decayed with a 30-day time constant / effective days; -1 new card", "card, 30-day decay"),
        new("daily_count_typical", "the card's typical transactions per day, same decay; -1 new card", "card, 30-day decay"),
        new("amt_mean", "exponentially weighted mean amount (weight max(1/n, 1/100)); -1 new card", "card, ~100 transactions"),
        new("amt_log_std", "exponentially weighted std of ln(1 + amount); -1 new card", "card, ~100 transactions"),
        new("amt_z", "(log_amt - weighted mean of log amounts) / max(amt_log_std, 0.1); 0 new card", "card, ~100 transactions"),
        new("amt_ratio_mean", "amt / amt_mean; -1 new card", "card, ~100 transactions"),
        new("amt_median_recent", "median amount of the card's last 32 transactions; -1 new card", "card, last 32 transactions"),
        new("amt_ratio_median", "amt / amt_median_recent; -1 new card", "card, last 32 transactions"),
        new("amt_pct_rank", "share of the card's last 64 amounts below amt (ties count half); -1 new card", "card, last 64 transactions"),
        new("amt_ratio_max_recent", "amt / largest of the card's last 64 amounts; -1 new card", "card, last 64 transactions"),

        new("cat_tx_count", "number of the card's previous transactions in this category", "card, all history"),
        new("cat_share", "cat_tx_count / card_tx_count; -1 new card", "card, all history"),
        new("cat_amt_mean", "weighted mean amount in this category (weight max(1/n, 1/30)); -1 none", "card+category, ~30 transactions"),
        new("cat_amt_log_std", "weighted std of ln(1 + amount) in this category; -1 none", "card+category, ~30 transactions"),
        new("cat_amt_z", "(log_amt - category weighted mean log amount) / max(cat_amt_log_std, 0.1); 0 none", "card+category, ~30 transactions"),
        new("cat_amt_ratio_mean", "amt / cat_amt_mean; -1 none", "card+category, ~30 transactions"),
        new("cat_amt_median_recent", "median of the card's last (up to 16) amounts in this category among its last 64 transactions; -1 none", "card+category, recent"),
        new("cat_amt_ratio_median", "amt / cat_amt_median_recent; -1 none", "card+category, recent"),
        new("cat_amt_pct_rank", "share of those recent category amounts below amt (ties count half); -1 none", "card+category, recent"),

        new("card_night_share", "weighted share of the card's previous transactions made at night; -1 new card", "card, ~50 transactions"),
        new("hour_dist_from_habit", "circular distance in hours (0..12) from hour to the card's weighted mean hour; -1 new card", "card, ~50 transactions"),
        new("first_time_merchant", "1 when the card was never seen at this merchant (2048-bit Bloom filter, rare false 'seen')", "card, all history"),
        new("first_time_category", "1 when the card never had a transaction in this category", "card, all history"),
        new("first_time_state", "1 when the card never had a transaction carrying this state (Kaggle: holder's address state)", "card, all history"),
        new("merchant_visit_count", "previous transactions of the card at this merchant (64-slot cache, 0 when evicted)", "card, 64-slot merchant cache"),
        new("dist_ratio_vs_mean", "home_merchant_km / the card's weighted mean distance; -1 new card", "card, ~100 transactions"),

        new("card_known_frauds", "the card's previous transactions labelled fraud whose label is known by now (time + label delay <= now)", "card, all history, label delay"),
        new("secs_since_known_fraud", "seconds since the latest such known-fraud transaction; -1 none", "card, all history, label delay"),

        new("secs_since_prev_unusual", "seconds since the card's latest previous transaction flagged unusual (as in cnt_unusual_24h); -1 none", "card, last 64 transactions or 7 days"),
        new("secs_since_prev_night", "seconds since the card's latest previous night transaction; -1 none", "card, last 64 transactions or 7 days"),
        new("sum_night_24h", "sum of the amounts of previous night transactions", "last 24 hours"),
        new("cnt_unusual_7d", "previous transactions flagged unusual", "last 7 days"),
        new("prev_category", "category code of the card's previous transaction; -1 none or unknown", "card, previous transaction"),
        new("hour_block_share", "share of the card's previous transactions in this 4-hour block of the day (0-3, 4-7, .., 20-23); -1 new card", "card, all history"),
        new("cat_share_7d", "share of the card's previous transactions in the last 7 days that were in this category; -1 none in 7 days", "last 7 days"),
    ];
}
