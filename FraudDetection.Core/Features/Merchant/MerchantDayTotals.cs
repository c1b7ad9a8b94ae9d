using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features.Merchant;

/// <summary>
/// What one merchant did on one day, over some set of cards. Every field is a sum over cards, so the totals of the
/// card partitions (which hold disjoint sets of cards) add up to the merchant's totals over all cards.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct MerchantDayTotals : IEquatable<MerchantDayTotals>
{
    /// <summary>Transactions.</summary>
    public int Transactions;

    /// <summary>Distinct cards.</summary>
    public int Cards;

    /// <summary>Transactions by a card new to the merchant (no visit on an earlier day it still remembers).</summary>
    public int NewCardTransactions;

    /// <summary>Transactions labelled fraud (used only once every label of the day is known).</summary>
    public int Frauds;

    /// <summary>
    /// Of <see cref="Frauds"/>, those whose amount was ordinary for their card (at most
    /// <see cref="OrdinaryAmountMultiple"/> times its recent median): a fraud not told by its amount, as at a
    /// compromised terminal, unlike a one-off of an unusual amount.
    /// </summary>
    public int OrdinaryFrauds;

    /// <summary>When the day's first ordinary fraud was, as <see cref="FirstFraudAt"/>.</summary>
    public int FirstOrdinaryFraudAt;

    /// <summary>An amount up to this multiple of the card's recent median is ordinary for it.</summary>
    public const double OrdinaryAmountMultiple = 2;

    /// <summary>
    /// Sum of the amounts in cents (below 0 counts as 0): an integer, so partitions add up to the same total in any
    /// order (a sum of doubles would depend on the order the stage receives them in).
    /// </summary>
    public long AmountCents;

    /// <summary>
    /// When the day's first fraud was: its second of the day + 1 (0: none). The earliest over cards, so partitions
    /// merge in any order; it tells from which second of the day after the label delay that fraud is known.
    /// </summary>
    public int FirstFraudAt;

    /// <summary>When the day's first genuine transaction was, as <see cref="FirstFraudAt"/>.</summary>
    public int FirstGenuineAt;

    /// <summary>Sum of the amounts.</summary>
    public readonly double Amount => AmountCents / 100.0;

    /// <summary>An amount as the cents <see cref="AmountCents"/> adds up.</summary>
    public static long CentsOf(double amount) => (long)Math.Round(Math.Max(amount, 0) * 100, MidpointRounding.AwayFromZero);

    /// <summary>The latest second of the day (+ 1) <see cref="FirstFraudAt"/> and <see cref="FirstGenuineAt"/> hold.</summary>
    public const int LastSecondAt = 86_400;

    /// <summary>Notes a transaction at <paramref name="secondOfDay"/> in the first-fraud or first-genuine time.</summary>
    public void NoteTime(int secondOfDay, bool fraud, bool ordinaryFraud = false)
    {
        ref var first = ref fraud ? ref FirstFraudAt : ref FirstGenuineAt;
        first = EarliestOf(first, secondOfDay + 1);
        if (fraud && ordinaryFraud) FirstOrdinaryFraudAt = EarliestOf(FirstOrdinaryFraudAt, secondOfDay + 1);
    }

    /// <summary>The earlier of two <see cref="FirstFraudAt"/>-style times (0 = none).</summary>
    public static int EarliestOf(int a, int b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);

    public void Add(in MerchantDayTotals other)
    {
        Transactions += other.Transactions;
        Cards += other.Cards;
        NewCardTransactions += other.NewCardTransactions;
        Frauds += other.Frauds;
        OrdinaryFrauds += other.OrdinaryFrauds;
        FirstOrdinaryFraudAt = EarliestOf(FirstOrdinaryFraudAt, other.FirstOrdinaryFraudAt);
        AmountCents += other.AmountCents;
        FirstFraudAt = EarliestOf(FirstFraudAt, other.FirstFraudAt);
        FirstGenuineAt = EarliestOf(FirstGenuineAt, other.FirstGenuineAt);
    }

    public readonly bool Equals(MerchantDayTotals other) =>
        Transactions == other.Transactions && Cards == other.Cards && NewCardTransactions == other.NewCardTransactions
        && Frauds == other.Frauds && AmountCents == other.AmountCents && FirstFraudAt == other.FirstFraudAt
        && FirstGenuineAt == other.FirstGenuineAt && OrdinaryFrauds == other.OrdinaryFrauds && FirstOrdinaryFraudAt == other.FirstOrdinaryFraudAt;

    public override readonly bool Equals(object? obj) => obj is MerchantDayTotals other && Equals(other);

    public override readonly int GetHashCode() => HashCode.Combine(HashCode.Combine(Transactions, Cards, NewCardTransactions, Frauds, AmountCents, FirstFraudAt, FirstGenuineAt), OrdinaryFrauds, FirstOrdinaryFraudAt);

    public override readonly string ToString() => $"tx={Transactions} cards={Cards} new={NewCardTransactions} frauds={Frauds} amount={Amount} first_fraud_at={FirstFraudAt} first_genuine_at={FirstGenuineAt} ordinary_frauds={OrdinaryFrauds} first_ordinary_fraud_at={FirstOrdinaryFraudAt}";
}

/// <summary>One merchant's totals for one day (merchant = 64-bit stable hash of its name; day = days since 2000-01-01).</summary>
public readonly record struct MerchantDay(ulong Merchant, int Day, MerchantDayTotals Totals);

/// <summary>Day numbers of the merchant features: local calendar days since 2000-01-01.</summary>
public static class MerchantDays
{
    /// <summary>No day (nothing open, nothing closed yet).</summary>
    public const int None = int.MinValue;

    public static int Of(DateTime localTime) => (int)((localTime.Ticks - OnlineFeatureState.Epoch.Ticks) / TimeSpan.TicksPerDay);

    public static DateOnly ToDate(int day) => DateOnly.FromDateTime(OnlineFeatureState.Epoch).AddDays(day);

    public static string Format(int day) => day == None ? "none" : ToDate(day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A merchant's identity in the merchant features: the 64-bit stable hash of its name (same on every machine).</summary>
public static class MerchantIds
{
    public static ulong Of(string merchant) => StableHash.Of64(merchant);
}
