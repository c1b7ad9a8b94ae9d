using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features.Card;

/// <summary>The card's habits: weighted night share and hour of day, distance, hour blocks, what it has seen.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct HabitScalars
{
    public double NightShare;
    public double HourSin;
    public double HourCos;
    public double DistMean;
    public ulong CategoriesSeen;
    public ulong StatesSeen;
    public HourBlockCounts HourBlocks;
}

/// <summary>The card's transaction count per 4-hour block of the day.</summary>
[InlineArray(6)]
internal struct HourBlockCounts
{
    private int _element;
}

/// <summary>A direct-mapped cache slot: the card's last visit and visit count at one merchant.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MerchantSlot
{
    public uint Hash;
    public int LastTime;
    public int Count;
}

/// <summary>The card's habits (hour, night, distance) and novelty (merchant, category, state never seen before).</summary>
internal sealed class CardHabitFeatures() : CardFeatureGroup(Columns)
{
    public const int MerchantSlots = 64;
    public const int BloomWords = 32; // 2048 bits
    private const double AlphaFloor = 1.0 / 50;

    public static readonly FeatureColumns Columns = new(FeatureGroups.CardHabits);
    private static readonly int CardNightShare = Columns.Add("card_night_share", "weighted share of the card's previous transactions made at night; -1 new card", "card, ~50 transactions");
    private static readonly int HourDistFromHabit = Columns.Add("hour_dist_from_habit", "circular distance in hours (0..12) from hour to the card's weighted mean hour; -1 new card", "card, ~50 transactions");
    private static readonly int HourBlockShare = Columns.Add("hour_block_share", "share of the card's previous transactions in this 4-hour block of the day (0-3, 4-7, .., 20-23); -1 new card", "card, all history");
    private static readonly int FirstTimeMerchant = Columns.Add("first_time_merchant", "1 when the card was never seen at this merchant (2048-bit Bloom filter, rare false 'seen')", "card, all history");
    private static readonly int MerchantVisitCount = Columns.Add("merchant_visit_count", "previous transactions of the card at this merchant (64-slot cache, 0 when evicted)", "card, 64-slot merchant cache");
    private static readonly int FirstTimeCategory = Columns.Add("first_time_category", "1 when the card never had a transaction in this category", "card, all history", TransactionInputs.Category);
    private static readonly int FirstTimeState = Columns.Add("first_time_state", "1 when the card never had a transaction carrying this state (Kaggle: holder's address state)", "card, all history", TransactionInputs.HolderState);
    private static readonly int DistRatioVsMean = Columns.Add("dist_ratio_vs_mean", "home_merchant_km / the card's weighted mean distance; -1 new card", "card, ~100 transactions",
        TransactionInputs.HolderLocation | TransactionInputs.MerchantLocation);

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f.Fill(-1);
            f[FirstTimeMerchant] = 1;
            f[MerchantVisitCount] = 0;
            f[FirstTimeCategory] = 1;
            f[FirstTimeState] = 1;
            return;
        }
        ref readonly var h = ref card.S.Habits;
        f[CardNightShare] = (float)h.NightShare;
        f[HourDistFromHabit] = HourDistance(tx.FractionalHour, h.HourSin, h.HourCos);
        f[HourBlockShare] = (float)((double)h.HourBlocks[tx.Hour / 4] / card.S.Count);
        f[FirstTimeMerchant] = BloomContains(card, tx.MerchantHash) ? 0 : 1;
        ref readonly var slot = ref card.Merchants[tx.MerchantHash & (MerchantSlots - 1)];
        f[MerchantVisitCount] = slot.Count > 0 && slot.Hash == tx.MerchantHash ? slot.Count : 0;
        f[FirstTimeCategory] = (h.CategoriesSeen & (1UL << tx.Category)) == 0 ? 1 : 0;
        f[FirstTimeState] = (h.StatesSeen & tx.StateBit) == 0 ? 1 : 0;
        f[DistRatioVsMean] = (float)(tx.DistanceKm / Math.Max(h.DistMean, 0.1));
    }

    public override void Update(CardState card, in TransactionView tx, int n)
    {
        ref var h = ref card.S.Habits;
        var habitAlpha = Math.Max(1.0 / n, AlphaFloor);
        h.DistMean += Math.Max(1.0 / n, CardAmountFeatures.AlphaFloor) * (tx.DistanceKm - h.DistMean);
        h.NightShare += habitAlpha * ((tx.IsNight ? 1 : 0) - h.NightShare);
        var (sin, cos) = Math.SinCos(tx.FractionalHour * (Math.PI / 12));
        h.HourSin += habitAlpha * (sin - h.HourSin);
        h.HourCos += habitAlpha * (cos - h.HourCos);
        h.HourBlocks[tx.Hour / 4]++;
        h.CategoriesSeen |= 1UL << tx.Category;
        h.StatesSeen |= tx.StateBit;

        ref var merchant = ref card.Merchants[tx.MerchantHash & (MerchantSlots - 1)];
        if (merchant.Count > 0 && merchant.Hash == tx.MerchantHash)
        {
            merchant.Count++;
            if (tx.Time > merchant.LastTime) merchant.LastTime = tx.Time;
        }
        else
        {
            merchant = new MerchantSlot { Hash = tx.MerchantHash, LastTime = tx.Time, Count = 1 };
        }
        var (a, b) = BloomBits(tx.MerchantHash);
        card.Bloom[a >> 6] |= 1UL << (a & 63);
        card.Bloom[b >> 6] |= 1UL << (b & 63);
    }

    private static bool BloomContains(CardState card, uint hash)
    {
        var (a, b) = BloomBits(hash);
        return (card.Bloom[a >> 6] & (1UL << (a & 63))) != 0 && (card.Bloom[b >> 6] & (1UL << (b & 63))) != 0;
    }

    private static (int, int) BloomBits(uint hash)
    {
        var mixed = hash * 0x9E3779B1u;
        return ((int)(hash >> 21), (int)(mixed >> 21)); // two 11-bit positions
    }

    private static float HourDistance(double hour, double sin, double cos)
    {
        if (sin * sin + cos * cos < 1e-12) return -1;
        var mean = Math.Atan2(sin, cos) * (12 / Math.PI);
        if (mean < 0) mean += 24;
        var d = Math.Abs(hour - mean);
        return (float)Math.Min(d, 24 - d);
    }
}
