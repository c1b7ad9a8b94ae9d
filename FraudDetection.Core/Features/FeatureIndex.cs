namespace FraudDetection.Core.Features;

/// <summary>
/// Column of each feature in a feature row (<see cref="FeatureSchema.Current"/>). The constant name in
/// snake_case is the feature name; <see cref="FeatureDefinitions.All"/> lists them in this order (a test checks both agree).
/// </summary>
public static class FeatureIndex
{
    // The transaction itself.
    public const int Amt = 0;
    public const int LogAmt = 1;
    public const int Category = 2;
    public const int Hour = 3;
    public const int DayOfWeek = 4;
    public const int IsNight = 5;
    public const int IsWeekend = 6;
    public const int AgeYears = 7;
    public const int Gender = 8;
    public const int LogCityPop = 9;
    public const int HomeMerchantKm = 10;

    // Recency on the card.
    public const int SecsSincePrevTx = 11;
    public const int SecsSincePrevSameMerchant = 12;
    public const int SecsSincePrevSameCategory = 13;
    public const int PrevAmt = 14;
    public const int PrevAmtRatio = 15;
    public const int GapVsTypical = 16;

    // Sliding windows over the card's previous transactions.
    public const int Cnt10m = 17;
    public const int Sum10m = 18;
    public const int Cnt1h = 19;
    public const int Sum1h = 20;
    public const int Cnt24h = 21;
    public const int Sum24h = 22;
    public const int Cnt7d = 23;
    public const int Sum7d = 24;
    public const int CntNight24h = 25;
    public const int CntUnusual24h = 26;
    public const int MaxRatio24h = 27;
    public const int DistinctCategories24h = 28;
    public const int CntSameCategory24h = 29;
    public const int CntSameCategory7d = 30;
    public const int Spend24hVsDaily = 31;
    public const int Cnt24hVsDaily = 32;

    // The card's amount history, overall.
    public const int CardTxCount = 33;
    public const int CardAgeDays = 34;
    public const int DailySpendTypical = 35;
    public const int DailyCountTypical = 36;
    public const int AmtMean = 37;
    public const int AmtLogStd = 38;
    public const int AmtZ = 39;
    public const int AmtRatioMean = 40;
    public const int AmtMedianRecent = 41;
    public const int AmtRatioMedian = 42;
    public const int AmtPctRank = 43;
    public const int AmtRatioMaxRecent = 44;

    // The card's amount history in this transaction's category.
    public const int CatTxCount = 45;
    public const int CatShare = 46;
    public const int CatAmtMean = 47;
    public const int CatAmtLogStd = 48;
    public const int CatAmtZ = 49;
    public const int CatAmtRatioMean = 50;
    public const int CatAmtMedianRecent = 51;
    public const int CatAmtRatioMedian = 52;
    public const int CatAmtPctRank = 53;

    // Habits and novelty.
    public const int CardNightShare = 54;
    public const int HourDistFromHabit = 55;
    public const int FirstTimeMerchant = 56;
    public const int FirstTimeCategory = 57;
    public const int FirstTimeState = 58;
    public const int MerchantVisitCount = 59;
    public const int DistRatioVsMean = 60;

    // Labels known by now (label delay).
    public const int CardKnownFrauds = 61;
    public const int SecsSinceKnownFraud = 62;

    // Episode signals (schema 1.1).
    public const int SecsSincePrevUnusual = 63;
    public const int SecsSincePrevNight = 64;
    public const int SumNight24h = 65;
    public const int CntUnusual7d = 66;
    public const int PrevCategory = 67;
    public const int HourBlockShare = 68;
    public const int CatShare7d = 69;

    public const int Count = 70;
}
