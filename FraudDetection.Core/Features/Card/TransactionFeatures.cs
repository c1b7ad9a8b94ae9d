using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features.Card;

/// <summary>The transaction itself: amount, time of day and week, the holder's static fields. No state.</summary>
internal sealed class TransactionFeatures() : CardFeatureGroup(Columns)
{
    public static readonly FeatureColumns Columns = new(FeatureGroups.Transaction);
    private static readonly int Amt = Columns.Add("amt", "transaction amount", "this transaction");
    private static readonly int LogAmt = Columns.Add("log_amt", "ln(1 + amount); amount below 0 counts as 0", "this transaction");
    private static readonly int Category = Columns.Add("category", "merchant category code 0..13 in the fixed Kaggle list (FeatureCategories), -1 unknown", "this transaction", TransactionInputs.Category);
    private static readonly int Hour = Columns.Add("hour", "local hour of day 0..23", "this transaction");
    private static readonly int DayOfWeek = Columns.Add("day_of_week", "0 = Monday .. 6 = Sunday", "this transaction");
    private static readonly int IsNight = Columns.Add("is_night", "1 when the local hour is 22..23 or 0..3", "this transaction");
    private static readonly int IsWeekend = Columns.Add("is_weekend", "1 on Saturday and Sunday", "this transaction");
    private static readonly int AgeYears = Columns.Add("age_years", "card holder's age at the transaction date (years, fractional); -1 without dob", "this transaction", TransactionInputs.BirthDate);
    private static readonly int Gender = Columns.Add("gender", "1 M, 0 F, -1 other/unknown", "this transaction", TransactionInputs.Gender);
    private static readonly int LogCityPop = Columns.Add("log_city_pop", "ln(1 + population of the card holder's city)", "this transaction", TransactionInputs.CityPopulation);
    private static readonly int HomeMerchantKm = Columns.Add("home_merchant_km", "great-circle distance home (lat, long) to merchant (merch_lat, merch_long), km", "this transaction",
        TransactionInputs.HolderLocation | TransactionInputs.MerchantLocation);

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        f[Amt] = (float)tx.Amount;
        f[LogAmt] = (float)tx.LogAmount;
        f[Category] = tx.Category == FeatureCategories.Unknown ? -1 : tx.Category;
        f[Hour] = tx.Hour;
        f[DayOfWeek] = tx.DayOfWeek;
        f[IsNight] = tx.IsNight ? 1 : 0;
        f[IsWeekend] = tx.DayOfWeek >= 5 ? 1 : 0;
        f[AgeYears] = (float)tx.AgeYears;
        f[Gender] = tx.Gender;
        f[LogCityPop] = (float)tx.LogCityPop;
        f[HomeMerchantKm] = (float)tx.DistanceKm;
    }

    public override void Update(CardState card, in TransactionView tx, int n)
    {
    }
}
