using System.Runtime.CompilerServices;
using FraudDetection.Core.Features.Card;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// The one feature pipeline, online and offline: per-card state updated transaction by transaction, plus this
/// instance's share of the merchant features. The features themselves live in their groups
/// (<see cref="FeatureGroups"/>: each declares its features next to the code that computes them); this class finds
/// the card, runs the groups in order and keeps memory bounded.
/// <para>
/// Point in time: <see cref="Compute"/> uses only the card's transactions given to <see cref="Update"/> before, and a
/// fraud label only once it is known (<see cref="FraudLabels"/>). Merchant features read only days complete before the
/// transaction's day.
/// </para>
/// <para>
/// Parity: card features are functions of the card's own ordered transactions, so one instance over the whole file
/// (training, backtest) and N instances, one per Kafka partition (Scoring, key = cc_num), compute the same values. The
/// merchant features add up every card's transactions per merchant and day: offline this instance keeps the merchant
/// table itself; in Scoring each instance contributes its cards' daily totals (<see cref="MerchantPartials"/>) to the
/// merchant stage and reads the shared table it publishes (<c>merchantTable</c>). Freeing idle cards' memory never
/// changes a feature: a card idle longer than <see cref="FeatureOptions.CardIdleReset"/> restarts from an empty
/// history whether or not it was freed, and memory is freed only after a further
/// <see cref="FeatureOptions.EvictionSlack"/> of the instance's event clock. (Only <see cref="FeatureOptions.MaxCards"/>,
/// a safety cap, can break this when it binds.)
/// </para>
/// <para>
/// Bounded memory: a fixed ~4 KB per card (<see cref="BytesPerCard"/>). Not thread-safe: one instance per consumer.
/// No allocation per transaction, except the first transaction of a card never seen (or freed) before and the merchant
/// bookkeeping of a new (card, merchant) pair or day.
/// </para>
/// </summary>
[SkipLocalsInit]
public sealed partial class OnlineFeatureState
{
    private const int SweepEverySeconds = 6 * 3600;
    private const int PoolLimit = 1024;
    private const double MaxAmount = 1e9; // keeps sums and ratios finite in float
    internal static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    private static readonly DateTime MaxTime = Epoch.AddSeconds(int.MaxValue - 1);
    private static readonly FeatureGroup MerchantGroup = FeatureGroups.Get(FeatureGroups.Merchant);

    private readonly Dictionary<long, CardState> _cards = new();
    private readonly Stack<CardState> _pool = new();
    private readonly long _labelDelay, _idleReset, _freeAfter;
    private readonly FraudLabels _labels;
    private readonly CardFeatureGroup[] _compute;   // selected groups in compute order (amounts first: recent reads its daily values)
    private readonly CardFeatureGroup[] _update;    // every group with state, in update order (labels read the ring entry about to leave)
    private readonly int[] _undefined;              // columns -1 whatever the transaction: unselected group or missing input
    private MerchantPartials? _partials;          // replaced by Load
    private MerchantHistory? _merchants;          // replaced by Load when owned
    private readonly bool _ownsMerchants;
    private readonly List<MerchantDay> _closedDays = [];
    private int _clock = int.MinValue;
    private int _lastSweep = int.MinValue;

    /// <param name="options">What changes values (label delay, idle reset, merchant day lag) and memory bounds.</param>
    /// <param name="selection">Groups and inputs: features outside it are -1. Default: everything.</param>
    /// <param name="merchantTable">
    /// Scoring: the shared merchant table this instance reads (fed by the merchant stage); this instance's closed days
    /// then wait in <see cref="MerchantPartials"/> for the caller to send. Null: the instance keeps its own table from
    /// the transactions it sees (offline: one instance over the whole file).
    /// </param>
    public OnlineFeatureState(FeatureOptions? options = null, FeatureSelection? selection = null, MerchantHistory? merchantTable = null)
    {
        Options = options ?? FeatureOptions.Default;
        Options.Validate();
        Selection = selection ?? FeatureSelection.All;
        _labels = new FraudLabels(Options.LabelDelay);
        _labelDelay = (long)Options.LabelDelay.TotalSeconds;
        _idleReset = (long)Options.CardIdleReset.TotalSeconds;
        _freeAfter = _idleReset + (long)Options.EvictionSlack.TotalSeconds;

        var transaction = new TransactionFeatures();
        var amounts = new CardAmountFeatures();
        var recency = new CardRecencyFeatures();
        var recent = new CardRecentFeatures();
        var categories = new CardCategoryFeatures();
        var habits = new CardHabitFeatures();
        var labels = new CardLabelFeatures(_labels);
        _compute = [.. new CardFeatureGroup[] { transaction, amounts, recency, recent, categories, habits, labels }
            .Where(g => Selection.IncludesGroup(g.Name) || (g == amounts && Selection.IncludesGroup(recent.Name)))];
        _update = [labels, recent, amounts, habits, categories];
        _undefined = [.. Enumerable.Range(0, FeatureSchema.Current.Count).Where(i => !Selection.Includes(FeatureDefinitions.All[i]))];

        if (Selection.IncludesGroup(FeatureGroups.Merchant))
        {
            _partials = new MerchantPartials((int)Math.Ceiling(Options.CardIdleReset.TotalDays));
            _ownsMerchants = merchantTable is null;
            _merchants = merchantTable ?? new MerchantHistory(Options);
        }
    }

    public FeatureOptions Options { get; }

    /// <summary>A local time as the features count it: seconds since <see cref="Epoch"/>.</summary>
    internal static int SecondsOf(DateTime localTime) => (int)((localTime.Ticks - Epoch.Ticks) / TimeSpan.TicksPerSecond);

    /// <summary>
    /// Verdicts learned after scoring that the card label features count from the moment they are applied (Scoring:
    /// the <c>fraud.labels</c> table all partitions share). Null offline: labels are the transactions' own.
    /// </summary>
    public LabelEvents? LabelEvents
    {
        get => _labels.Events;
        set => _labels.Events = value;
    }

    /// <summary>The features this instance computes; the others are -1.</summary>
    public FeatureSelection Selection { get; }

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

    /// <summary>This instance's cards' daily totals per merchant (null without merchant features); Scoring sends its closed days to the merchant stage.</summary>
    public MerchantPartials? MerchantPartials => _partials;

    /// <summary>The merchant table the merchant features read (own offline, shared in Scoring; null without merchant features).</summary>
    public MerchantHistory? MerchantTable => _merchants;

    /// <summary>Why a transaction cannot be featurized, or null when it can. Optional fields may be absent (null or 0).</summary>
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
        ComputeCore(Lookup(tx.CcNum, view.Time), in view, features, lookAhead: _ownsMerchants);
    }

    /// <summary>Adds <paramref name="tx"/> (and its label, if any) to its card's history.</summary>
    public void Update(Transaction tx)
    {
        var view = Prepare(tx, default, checkSpan: false);
        AdvanceMerchantDay(view.Day);
        UpdateCore(GetOrCreate(tx.CcNum), in view);
        Tick(view.Time);
    }

    /// <summary><see cref="Compute"/> then <see cref="Update"/> with one parse and one lookup.</summary>
    public void ComputeAndUpdate(Transaction tx, Span<float> features)
    {
        var view = Prepare(tx, features);
        AdvanceMerchantDay(view.Day);
        var card = GetOrCreate(tx.CcNum);
        ComputeCore(card, in view, features, lookAhead: false);
        UpdateCore(card, in view);
        Tick(view.Time);
    }

    /// <summary>
    /// <see cref="ComputeAndUpdate"/> for a transaction whose merchant features cannot be read yet (Scoring: the shared
    /// merchant table does not cover its day): every feature but the merchant ones, and the state folds it in (its
    /// cards' merchant totals included, so the table can complete). <see cref="ComputeMerchant"/> fills the rest once it
    /// can: merchant features read only complete days, so the row is then what <see cref="ComputeAndUpdate"/> gives.
    /// </summary>
    public void ComputeAllButMerchantAndUpdate(Transaction tx, Span<float> features)
    {
        var view = Prepare(tx, features);
        AdvanceMerchantDay(view.Day);
        var card = GetOrCreate(tx.CcNum);
        ComputeCore(card, in view, features, lookAhead: false, merchant: false);
        UpdateCore(card, in view);
        Tick(view.Time);
    }

    /// <summary>The merchant features of <paramref name="tx"/> into its row (see <see cref="ComputeAllButMerchantAndUpdate"/>).</summary>
    public void ComputeMerchant(Transaction tx, Span<float> features)
    {
        if (_merchants is null) return; // the columns are -1 already
        ArgumentNullException.ThrowIfNull(tx);
        // Validated when the row was computed: only the merchant's key and the time are needed, not a whole view again.
        var f = features.Slice(MerchantGroup.Offset, MerchantGroup.Count);
        MerchantFeatures.Compute(_merchants, MerchantIds.Of(tx.Merchant), SecondsOf(tx.TransDateTransTime), _labels, Options.MerchantDayLag, f, null);
        foreach (var column in _undefined)
        {
            if (column >= MerchantGroup.Offset && column < MerchantGroup.Offset + MerchantGroup.Count) features[column] = -1;
        }
    }

    /// <summary>
    /// A transaction on a later day is coming: closes this instance's open merchant day (its closed day may be what the
    /// merchant table waits for).
    /// </summary>
    public void AdvanceMerchantDay(Transaction tx) => AdvanceMerchantDay(MerchantDays.Of(tx.TransDateTransTime));

    /// <summary>Whether the card has history here (its features are not those of a first transaction).</summary>
    public bool HasHistory(Transaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return Lookup(tx.CcNum, SecondsOf(tx.TransDateTransTime)) is not null;
    }

    private TransactionView Prepare(Transaction tx, Span<float> features, bool checkSpan = true)
    {
        if (checkSpan && features.Length < FeatureSchema.Current.Count)
            throw new ArgumentException($"The feature span holds {features.Length} values; the schema has {FeatureSchema.Current.Count}.", nameof(features));
        var error = Validate(tx);
        if (error is not null) throw new ArgumentException($"Transaction {tx?.TransNum} cannot be featurized: {error}.", nameof(tx));
        return new TransactionView(tx, _labels);
    }

    private void AdvanceMerchantDay(int day)
    {
        if (_partials is null) return;
        _partials.Advance(day);
        if (_ownsMerchants && _partials.HasNews)
        {
            // Offline: this instance is every partition at once; its closed days complete the table directly.
            _partials.TakeClosed(_closedDays);
            foreach (var closed in _closedDays) _merchants!.Set(closed);
            _closedDays.Clear();
            _merchants!.Complete(_partials.ClosedThrough, _partials.OpenDay);
        }
    }

    private void ComputeCore(CardState? card, in TransactionView v, Span<float> f, bool lookAhead, bool merchant = true)
    {
        f = f[..FeatureSchema.Current.Count];
        if (card is not null && ((long)v.Time - card.S.LastTime > _idleReset || card.S.Count == 0)) card = null;
        var frame = default(CardFrame);
        foreach (var group in _compute) group.Compute(card, in v, ref frame, f.Slice(group.Offset, group.Count));
        if (_merchants is not null && merchant)
        {
            // A read-only Compute offline counts the open day as complete once the transaction is past it, as ComputeAndUpdate would.
            var pending = lookAhead && _partials!.OpenDay < v.Day ? _partials.OpenTotals(v.MerchantId) : null;
            MerchantFeatures.Compute(_merchants, v.MerchantId, v.Time, _labels, Options.MerchantDayLag, f.Slice(MerchantGroup.Offset, MerchantGroup.Count), pending);
        }
        foreach (var column in _undefined) f[column] = -1;
    }

    private void UpdateCore(CardState card, in TransactionView v)
    {
        ref var s = ref card.S;
        if (s.Count > 0 && v.Time < s.LastTime) OutOfOrderUpdates++;
        if (s.Count > 0 && (long)v.Time - s.LastTime > _idleReset) card.Clear();
        var n = s.Count + 1;
        var ordinaryAmount = _partials is not null && v.IsFraud && CardRecentFeatures.IsOrdinaryAmount(card, v.Amount);
        foreach (var group in _update) group.Update(card, in v, n);
        s.Count = n;
        if (n == 1)
        {
            s.FirstTime = v.Time;
            s.LastTime = v.Time;
        }
        else if (v.Time > s.LastTime)
        {
            s.LastTime = v.Time;
        }
        _partials?.Add(v.Card, v.MerchantId, v.Day, v.Time - v.Day * 86_400, v.IsFraud, v.Amount, ordinaryAmount);
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
}
