using System.Runtime.CompilerServices;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// The one feature pipeline, online and offline: per-card state updated transaction by transaction.
/// <para>
/// Point in time: <see cref="Compute"/> uses only the card's transactions given to <see cref="Update"/> before, and a
/// fraud label only once it is known, i.e. when (that transaction's time + <see cref="FeatureOptions.LabelDelay"/>)
/// &lt;= this transaction's time. Labels arrive with the transactions (<c>is_fraud</c>); a transaction without one
/// counts as not fraud.
/// </para>
/// <para>
/// Parity: every feature is a function of the card's own ordered transactions only — there are no cross-card
/// (per-merchant or global) aggregates, because Scoring keeps one state per Kafka partition (key = cc_num) and such
/// aggregates would depend on the partition layout. So the training replay and the backtest (one instance over the
/// whole file) and Scoring (any number of instances, one per partition, each card's transactions in order) compute
/// identical features; the interleaving of different cards never matters. Merchant features are per card and
/// merchant. Freeing idle cards' memory never changes a feature: a card idle longer than
/// <see cref="FeatureOptions.CardIdleReset"/> restarts from an empty history whether or not it was freed, and
/// memory is freed only after a further <see cref="FeatureOptions.EvictionSlack"/> of the instance's event clock.
/// (Only <see cref="FeatureOptions.MaxCards"/>, a safety cap, can break this when it binds.)
/// </para>
/// <para>
/// Bounded memory: a fixed ~4 KB per card (<see cref="BytesPerCard"/>). Not thread-safe: one instance per consumer.
/// No allocation per transaction, except the first transaction of a card never seen (or freed) before.
/// </para>
/// </summary>
[SkipLocalsInit]
public sealed partial class OnlineFeatureState
{
    private const int NightStartHour = 22, NightEndHour = 4;
    private const double AmountAlphaFloor = 1.0 / 100, CategoryAlphaFloor = 1.0 / 30, HabitAlphaFloor = 1.0 / 50;
    private const double DecaySeconds = 30 * 86400.0;
    private const double UnusualRatio = 3.0;
    private const int SweepEverySeconds = 6 * 3600;
    private const int PoolLimit = 1024;
    private const double MaxAmount = 1e9; // keeps sums and ratios finite in float
    internal static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly DateTime MaxTime = Epoch.AddSeconds(int.MaxValue - 1);

    private readonly Dictionary<long, CardState> _cards = new();
    private readonly Stack<CardState> _pool = new();
    private readonly long _labelDelay, _idleReset, _freeAfter;
    private int _clock = int.MinValue;
    private int _lastSweep = int.MinValue;

    public OnlineFeatureState(FeatureOptions? options = null)
    {
        Options = options ?? FeatureOptions.Default;
        Options.Validate();
        _labelDelay = (long)Options.LabelDelay.TotalSeconds;
        _idleReset = (long)Options.CardIdleReset.TotalSeconds;
        _freeAfter = _idleReset + (long)Options.EvictionSlack.TotalSeconds;
    }

    public FeatureOptions Options { get; }

    public static FeatureSchema Schema => FeatureSchema.Current;

    /// <summary>Cards held in memory now.</summary>
    public int CardCount => _cards.Count;

    /// <summary>Memory one card takes, whatever its history.</summary>
    public static int BytesPerCard => CardState.ApproximateBytes;

    /// <summary>The newest event time seen by <see cref="Update"/> (null before the first).</summary>
    public DateTime? Clock => _clock == int.MinValue ? null : Epoch.AddSeconds(_clock);

    /// <summary>Cards freed so far (idle or over the cap).</summary>
    public long EvictedCards { get; private set; }

    /// <summary>
    /// Updates older than their card's newest transaction so far (not persisted). Features stay defined (ages clamp
    /// at 0) but are only point-in-time when each card's transactions come in event-time order: watch this counter.
    /// </summary>
    public long OutOfOrderUpdates { get; private set; }

    /// <summary>Why a transaction cannot be featurized, or null when it can.</summary>
    public static string? Validate(Transaction tx)
    {
        if (tx is null) return "transaction is null";
        if (!double.IsFinite(tx.Amt)) return $"amt is not a finite number ({tx.Amt})";
        if (Math.Abs(tx.Amt) > MaxAmount) return $"amt {tx.Amt} is beyond ±{MaxAmount:0}";
        if (tx.TransDateTransTime < Epoch || tx.TransDateTransTime >= MaxTime)
            return $"trans_date_trans_time {tx.TransDateTransTime:O} is outside {Epoch:yyyy-MM-dd}..{MaxTime:yyyy-MM-dd}";
        if (tx.Merchant is null) return "merchant is null";
        if (!double.IsFinite(tx.Lat) || !double.IsFinite(tx.Long) || !double.IsFinite(tx.MerchLat) || !double.IsFinite(tx.MerchLong))
            return "a coordinate is not a finite number";
        return null;
    }

    /// <summary>Features of <paramref name="tx"/> from what came strictly before it; the state does not change.</summary>
    public void Compute(Transaction tx, Span<float> features)
    {
        var view = Prepare(tx, features);
        ComputeCore(Lookup(tx.CcNum, view.Time), in view, features);
    }

    /// <summary>Adds <paramref name="tx"/> (and its label, if any) to its card's history.</summary>
    public void Update(Transaction tx)
    {
        var view = Prepare(tx, default, checkSpan: false);
        UpdateCore(GetOrCreate(tx.CcNum), in view);
        Tick(view.Time);
    }

    /// <summary><see cref="Compute"/> then <see cref="Update"/> with one parse and one lookup.</summary>
    public void ComputeAndUpdate(Transaction tx, Span<float> features)
    {
        var view = Prepare(tx, features);
        var card = GetOrCreate(tx.CcNum);
        ComputeCore(card, in view, features);
        UpdateCore(card, in view);
        Tick(view.Time);
    }

    private static TxView Prepare(Transaction tx, Span<float> features, bool checkSpan = true)
    {
        if (checkSpan && features.Length < FeatureIndex.Count)
            throw new ArgumentException($"The feature span holds {features.Length} values; the schema has {FeatureIndex.Count}.", nameof(features));
        var error = Validate(tx);
        if (error is not null) throw new ArgumentException($"Transaction {tx?.TransNum} cannot be featurized: {error}.", nameof(tx));
        return new TxView(tx);
    }

    private CardState? Lookup(long ccNum, int time)
    {
        if (!_cards.TryGetValue(ccNum, out var card) || card.S.Count == 0) return null;
        return (long)time - card.S.LastTime > _idleReset ? null : card;
    }

    private CardState GetOrCreate(long ccNum)
    {
        if (_cards.TryGetValue(ccNum, out var card)) return card;
        if (_cards.Count >= Options.MaxCards) EvictOverCap();
        card = _pool.TryPop(out var reused) ? reused : new CardState();
        _cards.Add(ccNum, card);
        return card;
    }

    private void Tick(int time)
    {
        if (time > _clock) _clock = time;
        if (_lastSweep == int.MinValue) _lastSweep = _clock;
        if ((long)_clock - _lastSweep >= SweepEverySeconds) SweepIdle();
    }

    /// <summary>Frees cards idle past reset + slack; their features would restart from empty anyway.</summary>
    private void SweepIdle()
    {
        _lastSweep = _clock;
        foreach (var (ccNum, card) in _cards)
        {
            if ((long)_clock - card.S.LastTime > _freeAfter) Free(ccNum, card);
        }
    }

    private void EvictOverCap()
    {
        SweepIdle();
        var excess = _cards.Count - Options.MaxCards + 1;
        if (excess <= 0) return;
        // Rare path (allocates): drop the longest-idle tenth, at least the excess.
        var times = new int[_cards.Count];
        var i = 0;
        foreach (var card in _cards.Values) times[i++] = card.S.LastTime;
        Array.Sort(times);
        var cutoff = times[Math.Min(times.Length - 1, Math.Max(excess, _cards.Count / 10) - 1)];
        foreach (var (ccNum, card) in _cards)
        {
            if (card.S.LastTime <= cutoff) Free(ccNum, card);
        }
    }

    private void Free(long ccNum, CardState card)
    {
        _cards.Remove(ccNum);
        EvictedCards++;
        if (_pool.Count < PoolLimit)
        {
            card.Clear();
            _pool.Push(card);
        }
    }

    private void ComputeCore(CardState? card, in TxView v, Span<float> f)
    {
        f = f[..FeatureIndex.Count];
        var amt = v.Amount;
        var logAmt = v.LogAmount;
        f[FeatureIndex.Amt] = (float)amt;
        f[FeatureIndex.LogAmt] = (float)logAmt;
        f[FeatureIndex.Category] = v.Category == FeatureCategories.Unknown ? -1 : v.Category;
        f[FeatureIndex.Hour] = v.Hour;
        f[FeatureIndex.DayOfWeek] = v.DayOfWeek;
        f[FeatureIndex.IsNight] = v.IsNight ? 1 : 0;
        f[FeatureIndex.IsWeekend] = v.DayOfWeek >= 5 ? 1 : 0;
        f[FeatureIndex.AgeYears] = (float)v.AgeYears;
        f[FeatureIndex.Gender] = v.Gender;
        f[FeatureIndex.LogCityPop] = (float)v.LogCityPop;
        f[FeatureIndex.HomeMerchantKm] = (float)v.DistanceKm;

        if (card is null || (long)v.Time - card.S.LastTime > _idleReset || card.S.Count == 0)
        {
            FillNewCard(f);
            return;
        }

        ref readonly var s = ref card.S;
        var t = v.Time;
        f[FeatureIndex.SecsSincePrevTx] = Since(t, s.LastTime);
        ref readonly var slot = ref card.Merchants[v.MerchantHash & (CardState.MerchantSlots - 1)];
        var merchantHit = slot.Count > 0 && slot.Hash == v.MerchantHash;
        f[FeatureIndex.SecsSincePrevSameMerchant] = merchantHit ? Since(t, slot.LastTime) : -1;
        f[FeatureIndex.MerchantVisitCount] = merchantHit ? slot.Count : 0;
        ref readonly var cat = ref card.Categories[v.Category];
        f[FeatureIndex.SecsSincePrevSameCategory] = cat.Count > 0 ? Since(t, cat.LastTime) : -1;

        // One pass over the ring, newest first: the last 64 transactions and any older ones still inside 7 days.
        Span<float> recentCat = stackalloc float[16];
        var nCat = 0;
        double below64 = 0, max64 = 0, belowCat = 0;
        int cnt10m = 0, cnt1h = 0, cnt24h = 0, cnt7d = 0, night24h = 0, unusual24h = 0, sameCat24h = 0, sameCat7d = 0;
        double sum10m = 0, sum1h = 0, sum24h = 0, sum7d = 0, maxRatio24h = -1, sumNight24h = 0;
        int unusual7d = 0;
        long sinceUnusual = -1, sinceNight = -1;
        uint categories24h = 0;
        var famt = (float)amt;
        var ring = card.Ring;
        var index = s.RingHead;
        var recentCount = Math.Min(s.RingSize, 64);
        for (var k = 0; k < s.RingSize; k++)
        {
            index = index == 0 ? CardState.RingCapacity - 1 : index - 1;
            ref readonly var e = ref ring[index];
            var age = (long)t - e.Time;
            var inWeek = age < 7 * 86400;
            if (k >= recentCount && !inWeek) break;
            var sameCategory = e.Category == v.Category;
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
            if (sameCategory && nCat < 16)
            {
                recentCat[nCat++] = e.Amount;
                belowCat += e.Amount < famt ? 1 : e.Amount == famt ? 0.5 : 0;
            }
        }
        var n64 = recentCount;

        // Fraud labels still in the ring (rare: only cards with a labelled fraud among their last 128).
        int knownInRing = 0, lastKnownFraud = int.MinValue;
        if (s.RingFrauds > 0)
        {
            for (var k = 0; k < s.RingSize; k++)
            {
                ref readonly var e = ref ring[k];
                if ((e.Flags & RingEntry.Fraud) != 0 && e.Time + _labelDelay <= t)
                {
                    knownInRing++;
                    if (e.Time > lastKnownFraud) lastKnownFraud = e.Time;
                }
            }
        }

        ref readonly var newest = ref ring[s.RingHead == 0 ? CardState.RingCapacity - 1 : s.RingHead - 1];
        f[FeatureIndex.PrevAmt] = newest.Amount;
        f[FeatureIndex.PrevAmtRatio] = newest.Ratio;
        f[FeatureIndex.PrevCategory] = newest.Category == FeatureCategories.Unknown ? -1 : newest.Category;
        f[FeatureIndex.SecsSincePrevUnusual] = sinceUnusual;
        f[FeatureIndex.SecsSincePrevNight] = sinceNight;
        f[FeatureIndex.SumNight24h] = (float)sumNight24h;
        f[FeatureIndex.CntUnusual7d] = unusual7d;
        f[FeatureIndex.CatShare7d] = cnt7d > 0 ? (float)sameCat7d / cnt7d : -1;
        f[FeatureIndex.HourBlockShare] = (float)((double)s.HourBlocks[v.Hour / 4] / s.Count);

        f[FeatureIndex.Cnt10m] = cnt10m;
        f[FeatureIndex.Sum10m] = (float)sum10m;
        f[FeatureIndex.Cnt1h] = cnt1h;
        f[FeatureIndex.Sum1h] = (float)sum1h;
        f[FeatureIndex.Cnt24h] = cnt24h;
        f[FeatureIndex.Sum24h] = (float)sum24h;
        f[FeatureIndex.Cnt7d] = cnt7d;
        f[FeatureIndex.Sum7d] = (float)sum7d;
        f[FeatureIndex.CntNight24h] = night24h;
        f[FeatureIndex.CntUnusual24h] = unusual24h;
        f[FeatureIndex.MaxRatio24h] = (float)maxRatio24h;
        f[FeatureIndex.DistinctCategories24h] = System.Numerics.BitOperations.PopCount(categories24h);
        f[FeatureIndex.CntSameCategory24h] = sameCat24h;
        f[FeatureIndex.CntSameCategory7d] = sameCat7d;

        // Typical daily activity: 30-day exponentially decayed totals over the effective observed days.
        var decay = Math.Exp(-Math.Max(0, (long)t - s.LastTime) / DecaySeconds);
        var cardAge = Math.Max(0, (long)t - s.FirstTime);
        var effectiveDays = DecaySeconds / 86400 * (1 - Math.Exp(-Math.Max(cardAge, 86400) / DecaySeconds));
        var dailySpend = s.DecayedSpend * decay / effectiveDays;
        var dailyCount = s.DecayedCount * decay / effectiveDays;
        f[FeatureIndex.DailySpendTypical] = (float)dailySpend;
        f[FeatureIndex.DailyCountTypical] = (float)dailyCount;
        f[FeatureIndex.Spend24hVsDaily] = dailySpend > 1e-9 ? (float)((sum24h + Math.Max(amt, 0)) / dailySpend) : -1;
        f[FeatureIndex.Cnt24hVsDaily] = dailyCount > 1e-9 ? (float)((cnt24h + 1) / dailyCount) : -1;
        f[FeatureIndex.GapVsTypical] = dailyCount > 1e-9 ? (float)(Math.Max(0, (long)t - s.LastTime) * dailyCount / 86400) : -1;

        f[FeatureIndex.CardTxCount] = s.Count;
        f[FeatureIndex.CardAgeDays] = (float)(cardAge / 86400.0);
        f[FeatureIndex.AmtMean] = (float)s.MeanRaw;
        var logStd = Math.Sqrt(Math.Max(s.VarLog, 0));
        f[FeatureIndex.AmtLogStd] = (float)logStd;
        f[FeatureIndex.AmtZ] = (float)((logAmt - s.MeanLog) / Math.Max(logStd, 0.1));
        f[FeatureIndex.AmtRatioMean] = (float)(amt / Math.Max(s.MeanRaw, 0.01));
        var medianCount = Math.Min(s.RingSize, CardState.MedianWindow);
        var median = medianCount % 2 == 1
            ? card.SortedRecent[medianCount / 2]
            : (card.SortedRecent[medianCount / 2 - 1] + (double)card.SortedRecent[medianCount / 2]) / 2;
        f[FeatureIndex.AmtMedianRecent] = (float)median;
        f[FeatureIndex.AmtRatioMedian] = (float)(amt / Math.Max(median, 0.01));
        f[FeatureIndex.AmtPctRank] = (float)(below64 / n64);
        f[FeatureIndex.AmtRatioMaxRecent] = (float)(amt / Math.Max(max64, 0.01));

        f[FeatureIndex.CatTxCount] = cat.Count;
        f[FeatureIndex.CatShare] = (float)((double)cat.Count / s.Count);
        if (cat.Count > 0)
        {
            var catStd = Math.Sqrt(Math.Max(cat.VarLog, 0));
            f[FeatureIndex.CatAmtMean] = (float)cat.MeanRaw;
            f[FeatureIndex.CatAmtLogStd] = (float)catStd;
            f[FeatureIndex.CatAmtZ] = (float)((logAmt - cat.MeanLog) / Math.Max(catStd, 0.1));
            f[FeatureIndex.CatAmtRatioMean] = (float)(amt / Math.Max(cat.MeanRaw, 0.01));
        }
        else
        {
            f[FeatureIndex.CatAmtMean] = -1;
            f[FeatureIndex.CatAmtLogStd] = -1;
            f[FeatureIndex.CatAmtZ] = 0;
            f[FeatureIndex.CatAmtRatioMean] = -1;
        }
        if (nCat > 0)
        {
            var catMedian = Median(recentCat[..nCat]);
            f[FeatureIndex.CatAmtMedianRecent] = (float)catMedian;
            f[FeatureIndex.CatAmtRatioMedian] = (float)(amt / Math.Max(catMedian, 0.01));
            f[FeatureIndex.CatAmtPctRank] = (float)(belowCat / nCat);
        }
        else
        {
            f[FeatureIndex.CatAmtMedianRecent] = -1;
            f[FeatureIndex.CatAmtRatioMedian] = -1;
            f[FeatureIndex.CatAmtPctRank] = -1;
        }

        f[FeatureIndex.CardNightShare] = (float)s.NightShare;
        f[FeatureIndex.HourDistFromHabit] = HourDistance(v.FractionalHour, s.HourSin, s.HourCos);
        f[FeatureIndex.FirstTimeMerchant] = card.BloomContains(v.MerchantHash) ? 0 : 1;
        f[FeatureIndex.FirstTimeCategory] = (s.CategoriesSeen & (1UL << v.Category)) == 0 ? 1 : 0;
        f[FeatureIndex.FirstTimeState] = (s.StatesSeen & v.StateBit) == 0 ? 1 : 0;
        f[FeatureIndex.DistRatioVsMean] = (float)(v.DistanceKm / Math.Max(s.DistMean, 0.1));

        var known = s.MaturedFrauds + knownInRing;
        if (s.MaturedFrauds > 0 && s.LastMaturedFraudTime > lastKnownFraud) lastKnownFraud = s.LastMaturedFraudTime;
        if (s.OverflowFrauds > 0 && s.OverflowMaxTime + _labelDelay <= t)
        {
            known += s.OverflowFrauds;
            if (s.OverflowMaxTime > lastKnownFraud) lastKnownFraud = s.OverflowMaxTime;
        }
        f[FeatureIndex.CardKnownFrauds] = known;
        f[FeatureIndex.SecsSinceKnownFraud] = known > 0 ? Since(t, lastKnownFraud) : -1;
    }

    private static void FillNewCard(Span<float> f)
    {
        f[FeatureIndex.SecsSincePrevTx..(FeatureIndex.Count)].Fill(-1);
        foreach (var zero in ZeroWhenNew) f[zero] = 0;
        f[FeatureIndex.FirstTimeMerchant] = 1;
        f[FeatureIndex.FirstTimeCategory] = 1;
        f[FeatureIndex.FirstTimeState] = 1;
    }

    private static readonly int[] ZeroWhenNew =
    [
        FeatureIndex.Cnt10m, FeatureIndex.Sum10m, FeatureIndex.Cnt1h, FeatureIndex.Sum1h, FeatureIndex.Cnt24h,
        FeatureIndex.Sum24h, FeatureIndex.Cnt7d, FeatureIndex.Sum7d, FeatureIndex.CntNight24h, FeatureIndex.CntUnusual24h,
        FeatureIndex.DistinctCategories24h, FeatureIndex.CntSameCategory24h, FeatureIndex.CntSameCategory7d,
        FeatureIndex.CardTxCount, FeatureIndex.AmtZ, FeatureIndex.CatTxCount, FeatureIndex.CatAmtZ,
        FeatureIndex.MerchantVisitCount, FeatureIndex.CardKnownFrauds, FeatureIndex.SumNight24h, FeatureIndex.CntUnusual7d,
    ];

    private void UpdateCore(CardState card, in TxView v)
    {
        if (card.S.Count > 0 && v.Time < card.S.LastTime) OutOfOrderUpdates++;
        if (card.S.Count > 0 && (long)v.Time - card.S.LastTime > _idleReset) card.Clear();
        ref var s = ref card.S;
        var t = v.Time;
        var amt = v.Amount;
        var logAmt = v.LogAmount;
        ref var cat = ref card.Categories[v.Category];

        // The ring entry, with this amount's ratio to the card's mean in its category before it.
        var reference = cat.Count > 0 ? cat.MeanRaw : s.Count > 0 ? s.MeanRaw : 0;
        var ratio = reference > 0 ? (float)(amt / Math.Max(reference, 0.01)) : -1f;
        var flags = (byte)((v.IsNight ? RingEntry.Night : 0) | (ratio >= UnusualRatio ? RingEntry.Unusual : 0) | (v.IsFraud ? RingEntry.Fraud : 0));

        // Fraud labels leaving the ring move to counters; ones not known yet wait (all until the newest is known).
        if (s.OverflowFrauds > 0 && s.OverflowMaxTime + _labelDelay <= t)
        {
            s.MaturedFrauds += s.OverflowFrauds;
            s.LastMaturedFraudTime = Math.Max(s.LastMaturedFraudTime, s.OverflowMaxTime);
            s.OverflowFrauds = 0;
        }
        card.SlideMedianWindow((float)amt);
        ref var slot = ref card.Ring[s.RingHead];
        if (s.RingSize == CardState.RingCapacity && (slot.Flags & RingEntry.Fraud) != 0)
        {
            s.RingFrauds--;
            if (slot.Time + _labelDelay <= t)
            {
                s.MaturedFrauds++;
                s.LastMaturedFraudTime = Math.Max(s.LastMaturedFraudTime, slot.Time);
            }
            else
            {
                s.OverflowFrauds++;
                s.OverflowMaxTime = Math.Max(s.OverflowMaxTime, slot.Time);
            }
        }
        slot = new RingEntry { Time = t, Amount = (float)amt, Ratio = ratio, Category = (byte)v.Category, Flags = flags };
        s.RingHead = s.RingHead == CardState.RingCapacity - 1 ? 0 : s.RingHead + 1;
        if (s.RingSize < CardState.RingCapacity) s.RingSize++;
        if (v.IsFraud) s.RingFrauds++;

        // Card moments.
        var n = ++s.Count;
        var alpha = Math.Max(1.0 / n, AmountAlphaFloor);
        var habitAlpha = Math.Max(1.0 / n, HabitAlphaFloor);
        s.MeanRaw += alpha * (amt - s.MeanRaw);
        var delta = logAmt - s.MeanLog;
        s.MeanLog += alpha * delta;
        s.VarLog = (1 - alpha) * (s.VarLog + alpha * delta * delta);
        s.DistMean += alpha * (v.DistanceKm - s.DistMean);
        s.NightShare += habitAlpha * ((v.IsNight ? 1 : 0) - s.NightShare);
        var angle = v.FractionalHour * (Math.PI / 12);
        var (sin, cos) = Math.SinCos(angle);
        s.HourSin += habitAlpha * (sin - s.HourSin);
        s.HourCos += habitAlpha * (cos - s.HourCos);
        if (n == 1)
        {
            s.FirstTime = t;
            s.LastTime = t;
            s.DecayedSpend = Math.Max(amt, 0);
            s.DecayedCount = 1;
        }
        else
        {
            var decay = Math.Exp(-Math.Max(0, (long)t - s.LastTime) / DecaySeconds);
            s.DecayedSpend = s.DecayedSpend * decay + Math.Max(amt, 0);
            s.DecayedCount = s.DecayedCount * decay + 1;
            if (t > s.LastTime) s.LastTime = t;
        }
        s.HourBlocks[v.Hour / 4]++;
        s.CategoriesSeen |= 1UL << v.Category;
        s.StatesSeen |= v.StateBit;

        // Category moments.
        var c = ++cat.Count;
        var catAlpha = Math.Max(1.0 / c, CategoryAlphaFloor);
        cat.MeanRaw += catAlpha * (amt - cat.MeanRaw);
        var catDelta = logAmt - cat.MeanLog;
        cat.MeanLog += catAlpha * catDelta;
        cat.VarLog = (1 - catAlpha) * (cat.VarLog + catAlpha * catDelta * catDelta);
        if (t > cat.LastTime || c == 1) cat.LastTime = t;

        // Merchant cache and Bloom filter.
        ref var merchant = ref card.Merchants[v.MerchantHash & (CardState.MerchantSlots - 1)];
        if (merchant.Count > 0 && merchant.Hash == v.MerchantHash)
        {
            merchant.Count++;
            if (t > merchant.LastTime) merchant.LastTime = t;
        }
        else
        {
            merchant = new MerchantSlot { Hash = v.MerchantHash, LastTime = t, Count = 1 };
        }
        card.BloomAdd(v.MerchantHash);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Since(int now, int then) => Math.Max(0, (long)now - then);

    private static float HourDistance(double hour, double sin, double cos)
    {
        if (sin * sin + cos * cos < 1e-12) return -1;
        var mean = Math.Atan2(sin, cos) * (12 / Math.PI);
        if (mean < 0) mean += 24;
        var d = Math.Abs(hour - mean);
        return (float)Math.Min(d, 24 - d);
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

    /// <summary>What the pipeline reads from a transaction, parsed once.</summary>
    private readonly struct TxView
    {
        public readonly int Time;
        public readonly double Amount;
        public readonly double LogAmount;
        public readonly int Category;
        public readonly int Hour;
        public readonly int DayOfWeek;
        public readonly bool IsNight;
        public readonly bool IsFraud;
        public readonly double FractionalHour;
        public readonly double AgeYears;
        public readonly float Gender;
        public readonly double LogCityPop;
        public readonly double DistanceKm;
        public readonly uint MerchantHash;
        public readonly ulong StateBit;

        public TxView(Transaction tx)
        {
            var when = tx.TransDateTransTime;
            Time = (int)((when.Ticks - Epoch.Ticks) / TimeSpan.TicksPerSecond);
            Amount = tx.Amt;
            LogAmount = Math.Log(1 + Math.Max(tx.Amt, 0));
            Category = FeatureCategories.CodeOf(tx.Category);
            Hour = when.Hour;
            DayOfWeek = ((int)when.DayOfWeek + 6) % 7;
            IsNight = Hour >= NightStartHour || Hour < NightEndHour;
            IsFraud = tx.IsFraud == 1;
            FractionalHour = Hour + when.Minute / 60.0;
            AgeYears = tx.Dob == default ? -1 : (DateOnly.FromDateTime(when).DayNumber - tx.Dob.DayNumber) / 365.25;
            Gender = tx.Gender switch { "M" or "m" => 1, "F" or "f" => 0, _ => -1 };
            LogCityPop = Math.Log(1 + Math.Max(tx.CityPop, 0));
            DistanceKm = Haversine(tx.Lat, tx.Long, tx.MerchLat, tx.MerchLong);
            MerchantHash = StableHash.Of(tx.Merchant);
            StateBit = UsStates.BitOf(tx.State ?? ""); // absent in a mapped data set
        }

        private static double Haversine(double lat1, double lon1, double lat2, double lon2)
        {
            const double R = 6371.0088, Rad = Math.PI / 180;
            var dLat = (lat2 - lat1) * Rad;
            var dLon = (lon2 - lon1) * Rad;
            var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(lat1 * Rad) * Math.Cos(lat2 * Rad) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
            return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
        }
    }
}
