using System.Runtime.InteropServices;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features.Card;

/// <summary>One of the card's recent transactions, as the sliding windows need it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RingEntry
{
    public const int Capacity = 128;
    public const byte Night = 1, Unusual = 2, Fraud = 4;

    public int Time;          // seconds since 2000-01-01, local wall clock
    public float Amount;
    public float Ratio;       // amount / the card's category mean at that time; -1 unknown
    public byte Category;
    public byte Flags;
}

/// <summary>Where the ring is (<see cref="CardRecentFeatures"/>).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RecentScalars
{
    public int RingHead;
    public int RingSize;
}

/// <summary>
/// Sliding windows over the card's last 128 transactions (one pass, newest first: the last 64 and any older ones
/// still inside 7 days), ranks among recent amounts, and the median of the last 32 (kept sorted incrementally).
/// Windows longer than the ring count the newest 128.
/// </summary>
internal sealed class CardRecentFeatures() : CardFeatureGroup(Columns)
{
    public const int MedianWindow = 32;
    private const int RecentWindow = 64;
    private const int CategoryRecent = 16;
    public const double UnusualRatio = 3.0;

    public static readonly FeatureColumns Columns = new(FeatureGroups.CardRecent);
    private static readonly int Cnt10m = Columns.Add("cnt_10m", "number of the card's previous transactions", "last 10 minutes");
    private static readonly int Sum10m = Columns.Add("sum_10m", "sum of their amounts", "last 10 minutes");
    private static readonly int Cnt1h = Columns.Add("cnt_1h", "number of the card's previous transactions", "last hour");
    private static readonly int Sum1h = Columns.Add("sum_1h", "sum of their amounts", "last hour");
    private static readonly int Cnt24h = Columns.Add("cnt_24h", "number of the card's previous transactions", "last 24 hours");
    private static readonly int Sum24h = Columns.Add("sum_24h", "sum of their amounts", "last 24 hours");
    private static readonly int Cnt7d = Columns.Add("cnt_7d", "number of the card's previous transactions (at most the 128 most recent)", "last 7 days");
    private static readonly int Sum7d = Columns.Add("sum_7d", "sum of their amounts", "last 7 days");
    private static readonly int CntNight24h = Columns.Add("cnt_night_24h", "previous transactions made at night (is_night)", "last 24 hours");
    private static readonly int SumNight24h = Columns.Add("sum_night_24h", "sum of the amounts of previous night transactions", "last 24 hours");
    private static readonly int CntUnusual24h = Columns.Add("cnt_unusual_24h", "previous transactions whose amount was >= 3x the card's mean in their category at their time", "last 24 hours");
    private static readonly int CntUnusual7d = Columns.Add("cnt_unusual_7d", "previous transactions flagged unusual", "last 7 days");
    private static readonly int MaxRatio24h = Columns.Add("max_ratio_24h", "largest amount / category-mean ratio among previous transactions; -1 none", "last 24 hours");
    private static readonly int DistinctCategories24h = Columns.Add("distinct_categories_24h", "number of distinct categories among previous transactions", "last 24 hours", TransactionInputs.Category);
    private static readonly int CntSameCategory24h = Columns.Add("cnt_same_category_24h", "previous transactions in this transaction's category", "last 24 hours", TransactionInputs.Category);
    private static readonly int CntSameCategory7d = Columns.Add("cnt_same_category_7d", "previous transactions in this transaction's category", "last 7 days", TransactionInputs.Category);
    private static readonly int CatShare7d = Columns.Add("cat_share_7d", "share of the card's previous transactions in the last 7 days that were in this category; -1 none in 7 days", "last 7 days", TransactionInputs.Category);
    private static readonly int Spend24hVsDaily = Columns.Add("spend_24h_vs_daily", "(sum_24h + amt) / daily_spend_typical; -1 without history", "last 24 hours vs 30-day decay");
    private static readonly int Cnt24hVsDaily = Columns.Add("cnt_24h_vs_daily", "(cnt_24h + 1) / daily_count_typical; -1 without history", "last 24 hours vs 30-day decay");
    private static readonly int SecsSincePrevUnusual = Columns.Add("secs_since_prev_unusual", "seconds since the card's latest previous transaction flagged unusual (as in cnt_unusual_24h); -1 none", "card, last 64 transactions or 7 days");
    private static readonly int SecsSincePrevNight = Columns.Add("secs_since_prev_night", "seconds since the card's latest previous night transaction; -1 none", "card, last 64 transactions or 7 days");
    private static readonly int AmtMedianRecent = Columns.Add("amt_median_recent", "median amount of the card's last 32 transactions; -1 new card", "card, last 32 transactions");
    private static readonly int AmtRatioMedian = Columns.Add("amt_ratio_median", "amt / amt_median_recent; -1 new card", "card, last 32 transactions");
    private static readonly int AmtPctRank = Columns.Add("amt_pct_rank", "share of the card's last 64 amounts below amt (ties count half); -1 new card", "card, last 64 transactions");
    private static readonly int AmtRatioMaxRecent = Columns.Add("amt_ratio_max_recent", "amt / largest of the card's last 64 amounts; -1 new card", "card, last 64 transactions");
    private static readonly int CatAmtMedianRecent = Columns.Add("cat_amt_median_recent", "median of the card's last (up to 16) amounts in this category among its last 64 transactions; -1 none", "card+category, recent", TransactionInputs.Category);
    private static readonly int CatAmtRatioMedian = Columns.Add("cat_amt_ratio_median", "amt / cat_amt_median_recent; -1 none", "card+category, recent", TransactionInputs.Category);
    private static readonly int CatAmtPctRank = Columns.Add("cat_amt_pct_rank", "share of those recent category amounts below amt (ties count half); -1 none", "card+category, recent", TransactionInputs.Category);

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f.Fill(-1);
            foreach (var zero in (ReadOnlySpan<int>)[Cnt10m, Sum10m, Cnt1h, Sum1h, Cnt24h, Sum24h, Cnt7d, Sum7d, CntNight24h, SumNight24h,
                         CntUnusual24h, CntUnusual7d, DistinctCategories24h, CntSameCategory24h, CntSameCategory7d])
            {
                f[zero] = 0;
            }
            return;
        }

        var t = tx.Time;
        var amt = tx.Amount;
        var famt = (float)amt;
        ref readonly var s = ref card.S.Recent;
        Span<float> recentCategory = stackalloc float[CategoryRecent];
        var nCategory = 0;
        double below64 = 0, max64 = 0, belowCategory = 0;
        int cnt10m = 0, cnt1h = 0, cnt24h = 0, cnt7d = 0, night24h = 0, unusual24h = 0, unusual7d = 0, sameCat24h = 0, sameCat7d = 0;
        double sum10m = 0, sum1h = 0, sum24h = 0, sum7d = 0, maxRatio24h = -1, sumNight24h = 0;
        long sinceUnusual = -1, sinceNight = -1;
        uint categories24h = 0;
        var ring = card.Ring;
        var index = s.RingHead;
        var recentCount = Math.Min(s.RingSize, RecentWindow);
        for (var k = 0; k < s.RingSize; k++)
        {
            index = index == 0 ? RingEntry.Capacity - 1 : index - 1;
            ref readonly var e = ref ring[index];
            var age = (long)t - e.Time;
            var inWeek = age < 7 * 86400;
            if (k >= recentCount && !inWeek) break;
            var sameCategory = e.Category == tx.Category;
            if (inWeek)
            {
                cnt7d++;
                sum7d += e.Amount;
                if (sameCategory) sameCat7d++;
                if ((e.Flags & RingEntry.Unusual) != 0) unusual7d++;
                if (age < 86400)
                {
                    cnt24h++;
                    sum24h += e.Amount;
                    if ((e.Flags & RingEntry.Night) != 0)
                    {
                        night24h++;
                        sumNight24h += e.Amount;
                    }
                    if ((e.Flags & RingEntry.Unusual) != 0) unusual24h++;
                    if (e.Ratio > maxRatio24h) maxRatio24h = e.Ratio;
                    categories24h |= 1u << e.Category;
                    if (sameCategory) sameCat24h++;
                    if (age < 3600)
                    {
                        cnt1h++;
                        sum1h += e.Amount;
                        if (age < 600)
                        {
                            cnt10m++;
                            sum10m += e.Amount;
                        }
                    }
                }
            }
            if (sinceUnusual < 0 && (e.Flags & RingEntry.Unusual) != 0) sinceUnusual = Math.Max(0, age);
            if (sinceNight < 0 && (e.Flags & RingEntry.Night) != 0) sinceNight = Math.Max(0, age);
            if (k >= recentCount) continue;
            below64 += e.Amount < famt ? 1 : e.Amount == famt ? 0.5 : 0;
            if (e.Amount > max64) max64 = e.Amount;
            if (sameCategory && nCategory < CategoryRecent)
            {
                recentCategory[nCategory++] = e.Amount;
                belowCategory += e.Amount < famt ? 1 : e.Amount == famt ? 0.5 : 0;
            }
        }

        f[Cnt10m] = cnt10m;
        f[Sum10m] = (float)sum10m;
        f[Cnt1h] = cnt1h;
        f[Sum1h] = (float)sum1h;
        f[Cnt24h] = cnt24h;
        f[Sum24h] = (float)sum24h;
        f[Cnt7d] = cnt7d;
        f[Sum7d] = (float)sum7d;
        f[CntNight24h] = night24h;
        f[SumNight24h] = (float)sumNight24h;
        f[CntUnusual24h] = unusual24h;
        f[CntUnusual7d] = unusual7d;
        f[MaxRatio24h] = (float)maxRatio24h;
        f[DistinctCategories24h] = System.Numerics.BitOperations.PopCount(categories24h);
        f[CntSameCategory24h] = sameCat24h;
        f[CntSameCategory7d] = sameCat7d;
        f[CatShare7d] = cnt7d > 0 ? (float)sameCat7d / cnt7d : -1;
        f[Spend24hVsDaily] = frame.DailySpend > 1e-9 ? (float)((sum24h + Math.Max(amt, 0)) / frame.DailySpend) : -1;
        f[Cnt24hVsDaily] = frame.DailyCount > 1e-9 ? (float)((cnt24h + 1) / frame.DailyCount) : -1;
        f[SecsSincePrevUnusual] = sinceUnusual;
        f[SecsSincePrevNight] = sinceNight;

        var median = MedianOfRecent(card);
        f[AmtMedianRecent] = (float)median;
        f[AmtRatioMedian] = (float)(amt / Math.Max(median, 0.01));
        f[AmtPctRank] = (float)(below64 / recentCount);
        f[AmtRatioMaxRecent] = (float)(amt / Math.Max(max64, 0.01));
        if (nCategory > 0)
        {
            var categoryMedian = Median(recentCategory[..nCategory]);
            f[CatAmtMedianRecent] = (float)categoryMedian;
            f[CatAmtRatioMedian] = (float)(amt / Math.Max(categoryMedian, 0.01));
            f[CatAmtPctRank] = (float)(belowCategory / nCategory);
        }
        else
        {
            f[CatAmtMedianRecent] = -1;
            f[CatAmtRatioMedian] = -1;
            f[CatAmtPctRank] = -1;
        }
    }

    /// <summary>Pushes the transaction into the ring, flagged night / unusual (vs the category mean before it) / fraud.</summary>
    public override void Update(CardState card, in TransactionView tx, int n)
    {
        ref var s = ref card.S.Recent;
        var amt = tx.Amount;
        ref readonly var category = ref card.Categories[tx.Category];
        var reference = category.Count > 0 ? category.MeanRaw : n > 1 ? card.S.Amounts.MeanRaw : 0;
        var ratio = reference > 0 ? (float)(amt / Math.Max(reference, 0.01)) : -1f;
        var flags = (byte)((tx.IsNight ? RingEntry.Night : 0) | (ratio >= UnusualRatio ? RingEntry.Unusual : 0) | (tx.IsFraud ? RingEntry.Fraud : 0));
        SlideMedianWindow(card, (float)amt);
        card.Ring[s.RingHead] = new RingEntry { Time = tx.Time, Amount = (float)amt, Ratio = ratio, Category = (byte)tx.Category, Flags = flags };
        s.RingHead = s.RingHead == RingEntry.Capacity - 1 ? 0 : s.RingHead + 1;
        if (s.RingSize < RingEntry.Capacity) s.RingSize++;
    }

    /// <summary>
    /// Whether <paramref name="amount"/> is ordinary for the card before it: at most
    /// <see cref="Merchant.MerchantDayTotals.OrdinaryAmountMultiple"/> times the median of its last 32 amounts (false
    /// without history).
    /// </summary>
    public static bool IsOrdinaryAmount(CardState card, double amount)
    {
        return card.S.Recent.RingSize > 0 && amount <= Merchant.MerchantDayTotals.OrdinaryAmountMultiple * MedianOfRecent(card);
    }

    /// <summary>The median of the card's last (up to) 32 amounts, from its sorted window; the card has history.</summary>
    private static double MedianOfRecent(CardState card)
    {
        var count = Math.Min(card.S.Recent.RingSize, MedianWindow);
        var sorted = card.SortedRecent;
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + (double)sorted[count / 2]) / 2;
    }

    /// <summary>Derives <see cref="CardState.SortedRecent"/> from the ring (after a load: the window is not stored).</summary>
    public static void RebuildMedianWindow(CardState card)
    {
        ref readonly var s = ref card.S.Recent;
        var count = Math.Min(s.RingSize, MedianWindow);
        Array.Clear(card.SortedRecent);
        for (var k = 0; k < count; k++) card.SortedRecent[k] = card.Ring[(s.RingHead - 1 - k + 2 * RingEntry.Capacity) % RingEntry.Capacity].Amount;
        card.SortedRecent.AsSpan(0, count).Sort();
    }

    /// <summary>Keeps the sorted window equal to the sorted amounts of the last 32 ring entries; called before the ring push.</summary>
    private static void SlideMedianWindow(CardState card, float amount)
    {
        ref readonly var s = ref card.S.Recent;
        var sorted = card.SortedRecent;
        var count = Math.Min(s.RingSize, MedianWindow);
        var window = sorted.AsSpan(0, count);
        if (count == MedianWindow)
        {
            var leaving = card.Ring[(s.RingHead - MedianWindow + RingEntry.Capacity) % RingEntry.Capacity].Amount;
            var at = window.BinarySearch(leaving);
            if (at < 0) throw new InvalidOperationException("Feature state is inconsistent: the median window lost an amount.");
            window[(at + 1)..].CopyTo(window[at..]);
            count--;
            window = window[..count];
        }
        var insert = window.BinarySearch(amount);
        if (insert < 0) insert = ~insert;
        window[insert..].CopyTo(sorted.AsSpan(insert + 1, count - insert));
        sorted[insert] = amount;
    }

    /// <summary>Median by quickselect (reorders <paramref name="values"/>; at most 16 values here); -1 when empty.</summary>
    private static double Median(Span<float> values)
    {
        var n = values.Length;
        if (n == 0) return -1;
        var mid = n / 2;
        var upper = Select(values, mid);
        if (n % 2 == 1) return upper;
        var lower = values[0];
        for (var i = 1; i < mid; i++) if (values[i] > lower) lower = values[i]; // the left part holds the smaller half
        return (lower + (double)upper) / 2;
    }

    private static float Select(Span<float> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            var pivot = a[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else break;
        }
        return a[k];
    }
}
