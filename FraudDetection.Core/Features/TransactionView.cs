using FraudDetection.Core.Geo;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>What the feature groups read from a transaction, parsed once. Absent optional fields read as unknown.</summary>
internal readonly struct TransactionView
{
    public const int NightStartHour = 22, NightEndHour = 4;

    public readonly long Card;
    public readonly int Time;           // seconds since 2000-01-01, local wall clock
    public readonly int Day;            // Time / 86400: the local calendar day
    public readonly double Amount;
    public readonly double LogAmount;
    public readonly int Category;       // 0..13, FeatureCategories.Unknown otherwise
    public readonly int Hour;
    public readonly int DayOfWeek;      // 0 = Monday
    public readonly bool IsNight;
    public readonly bool IsFraud;
    public readonly double FractionalHour;
    public readonly double AgeYears;
    public readonly float Gender;
    public readonly double LogCityPop;
    public readonly double DistanceKm;
    public readonly ulong MerchantId;   // 64-bit stable hash of the merchant name: the merchant features' key
    public readonly uint MerchantHash;  // 32-bit: the card's merchant cache and Bloom filter
    public readonly ulong StateBit;

    public TransactionView(Transaction tx, FraudLabels labels)
    {
        var when = tx.TransDateTransTime;
        Card = tx.CcNum;
        Time = OnlineFeatureState.SecondsOf(when);
        Day = Time / 86400;
        Amount = tx.Amt;
        LogAmount = Math.Log(1 + Math.Max(tx.Amt, 0));
        Category = tx.Category is null ? FeatureCategories.Unknown : FeatureCategories.CodeOf(tx.Category);
        Hour = when.Hour;
        DayOfWeek = ((int)when.DayOfWeek + 6) % 7;
        IsNight = Hour >= NightStartHour || Hour < NightEndHour;
        IsFraud = labels.IsFraud(tx);
        FractionalHour = Hour + when.Minute / 60.0;
        AgeYears = tx.Dob == default ? -1 : (DateOnly.FromDateTime(when).DayNumber - tx.Dob.DayNumber) / 365.25;
        Gender = tx.Gender switch { "M" or "m" => 1, "F" or "f" => 0, _ => -1 };
        LogCityPop = Math.Log(1 + Math.Max(tx.CityPop, 0));
        DistanceKm = GeoDistance.Km(tx.Lat, tx.Long, tx.MerchLat, tx.MerchLong);
        MerchantHash = StableHash.Of(tx.Merchant);
        MerchantId = Merchant.MerchantIds.Of(tx.Merchant);
        StateBit = UsStates.BitOf(tx.State ?? "");
    }
}
