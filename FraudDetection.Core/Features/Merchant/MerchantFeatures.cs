namespace FraudDetection.Core.Features.Merchant;

/// <summary>
/// The merchant across all cards, by complete days (the Fraud Detection Handbook's terminal features, by whole days):
/// for a transaction on day D, activity over the days up to D − <see cref="FeatureOptions.MerchantDayLag"/> and fraud
/// labels over the days whose every label is known at the start of D (up to D − label delay − 1), plus the part of day
/// D − label delay known at the transaction's time of day. Values read only complete days (and the transaction's own
/// time), so they do not depend on how cards are partitioned or on how far behind any reader is.
/// </summary>
public static class MerchantFeatures
{
    public const int LongestWindowDays = 30;

    public static readonly FeatureColumns Columns = new(FeatureGroups.Merchant);
    private static readonly int Tx1d = Columns.Add("merchant_tx_1d", "transactions at this merchant, all cards, on day D - lag (the latest complete day the merchant table covers)", "merchant, 1 complete day");
    private static readonly int Tx7d = Columns.Add("merchant_tx_7d", "transactions at this merchant, all cards, on the 7 days ending D - lag", "merchant, 7 complete days");
    private static readonly int Tx30d = Columns.Add("merchant_tx_30d", "transactions at this merchant, all cards, on the 30 days ending D - lag", "merchant, 30 complete days");
    private static readonly int Cards1d = Columns.Add("merchant_cards_1d", "distinct cards at this merchant on day D - lag", "merchant, 1 complete day");
    private static readonly int NewCardShare7d = Columns.Add("merchant_new_card_share_7d", "share of those transactions made by a card new to the merchant (no visit on an earlier day within the card idle reset); -1 none", "merchant, 7 complete days");
    private static readonly int NewCardShare30d = Columns.Add("merchant_new_card_share_30d", "the same over 30 days; -1 none", "merchant, 30 complete days");
    private static readonly int AmtMean7d = Columns.Add("merchant_amt_mean_7d", "mean amount of the merchant's transactions; -1 none", "merchant, 7 complete days");
    private static readonly int Fraud1d = Columns.Add("merchant_fraud_1d", "transactions labelled fraud at this merchant on day D - label delay - 1 (every label of that day known at the start of D)", "merchant, 1 day, label delay");
    private static readonly int Fraud7d = Columns.Add("merchant_fraud_7d", "the same over the 7 days ending D - label delay - 1", "merchant, 7 days, label delay");
    private static readonly int Fraud30d = Columns.Add("merchant_fraud_30d", "the same over the 30 days ending D - label delay - 1", "merchant, 30 days, label delay");
    private static readonly int Risk1d = Columns.Add("merchant_risk_1d", "merchant_fraud_1d / the merchant's transactions on that day; -1 none", "merchant, 1 day, label delay");
    private static readonly int Risk7d = Columns.Add("merchant_risk_7d", "merchant_fraud_7d / the merchant's transactions on those days; -1 none", "merchant, 7 days, label delay");
    private static readonly int Risk30d = Columns.Add("merchant_risk_30d", "merchant_fraud_30d / the merchant's transactions on those days; -1 none", "merchant, 30 days, label delay");
    // A compromised terminal turns every transaction into fraud for a while: how long ago its latest known fraud run
    // began and ended tells whether it is likely still compromised.
    private static readonly int DaysSinceFraud = Columns.Add("merchant_days_since_fraud", "D - the latest of the 30 days ending D - label delay - 1 with a transaction labelled fraud (the fraud run's last day); -1 none", "merchant, 30 days, label delay");
    private static readonly int RunDays = Columns.Add("merchant_fraud_run_days", "D - the first day of that fraud run: the earliest day from which every day with transactions up to the last one had only frauds (the last day itself when it also had genuine ones); -1 none", "merchant, 30 days, label delay");
    private static readonly int DaysSinceGenuineBeforeRun = Columns.Add("merchant_days_since_genuine_before_run", "D - the latest of those days before the fraud run with a genuine transaction; -1 none", "merchant, 30 days, label delay");
    private static readonly int RunFrauds = Columns.Add("merchant_fraud_run_frauds", "frauds in the fraud run (of its last day only when that day also had genuine ones); -1 none", "merchant, 30 days, label delay");
    private static readonly int GenuineSinceFraud = Columns.Add("merchant_genuine_since_fraud", "genuine transactions on the days after the fraud run's last day; 0 none", "merchant, 30 days, label delay");
    private static readonly int RunPure = Columns.Add("merchant_fraud_run_pure", "1 when the fraud run's last day had only frauds; 0 otherwise or none", "merchant, 30 days, label delay");
    // Day D - label delay's labels become known through day D, second by second: a compromise that began that day
    // shows from the moment its first fraud's label is known, a day before the complete-day features see it.
    private static readonly int FraudKnownToday = Columns.Add("merchant_fraud_known_today", "1 when a transaction at this merchant on day D - label delay was labelled fraud and its label is known at this transaction's time (it was at most this time of day, for a delay of whole days); 0 otherwise", "merchant, day D - label delay, up to this time of day");
    // The longer since a genuine label was last known here, the longer a compromise could have gone unseen.
    private static readonly int DaysSinceKnownGenuine = Columns.Add("merchant_days_since_known_genuine", "D - the latest day with a genuine transaction at this merchant whose label is known at this transaction's time: D - label delay when that day's first genuine one is, else the latest of the 30 days ending D - label delay - 1; -1 none", "merchant, 30 days, label delay, up to this time of day");

    // A fraud at an amount ordinary for its card is not told by its amount: at a terminal, such frauds point to the
    // terminal (a compromise), where a one-off of an unusual amount points to the card.
    private static readonly int RunOrdinaryFrauds = Columns.Add("merchant_fraud_run_ordinary", "of the fraud run's frauds, those at an amount at most twice their card's median of its last 32; -1 none", "merchant, 30 days, label delay");
    private static readonly int OrdinaryFraud30d = Columns.Add("merchant_ordinary_fraud_30d", "transactions labelled fraud at an amount ordinary for their card (as merchant_fraud_run_ordinary) on the 30 days ending D - label delay - 1", "merchant, 30 days, label delay");
    private static readonly int OrdinaryFraudKnownToday = Columns.Add("merchant_ordinary_fraud_known_today", "1 when such a fraud at this merchant on day D - label delay is known at this transaction's time (as merchant_fraud_known_today); 0 otherwise", "merchant, day D - label delay, up to this time of day");

    /// <summary>
    /// The features of a transaction at <paramref name="time"/> (seconds since <see cref="OnlineFeatureState.Epoch"/>) at
    /// <paramref name="merchant"/> from <paramref name="history"/>; <paramref name="pending"/>: an open day not yet in the
    /// history, counted as complete when before the transaction's day (a read-only look ahead offline).
    /// </summary>
    internal static void Compute(MerchantHistory history, ulong merchant, int time, FraudLabels labels, int lag, Span<float> f, MerchantDay? pending = null)
    {
        var day = time / 86_400;
        var record = history.Find(merchant);
        var usePending = pending is { } p && p.Day < day;
        if (!usePending && record is not null && record.CachedFor == day)
        {
            record.Cached.CopyTo(f);
            AddDelayDay(record, null, day, time - day * 86_400, labels, lag, f);
            return;
        }
        var w = default(Windows);
        var activityEnd = day - lag;
        var labelEnd = labels.LastKnownDay(day);
        // Newest day first (the fraud run is read backwards); the open day is newer than every stored one.
        if (usePending) w.Add(pending!.Value.Day, pending.Value.Totals, activityEnd, labelEnd);
        if (record is not null)
        {
            for (var i = record.Count - 1; i >= 0; i--)
            {
                var d = record.Days[i];
                if (activityEnd - d >= LongestWindowDays && labelEnd - d >= LongestWindowDays) break;
                w.Add(d, record.Totals[i], activityEnd, labelEnd);
            }
        }
        w.Write(f, day);
        if (!usePending && record is not null)
        {
            f.CopyTo(record.Cached);
            record.CachedFor = day;
        }
        AddDelayDay(record, usePending ? pending : null, day, time - day * 86_400, labels, lag, f);
    }

    /// <summary>The part of day D - label delay whose labels are known at <paramref name="secondOfDay"/> (the rest is by whole days).</summary>
    private static void AddDelayDay(MerchantRecord? record, MerchantDay? pending, int day, int secondOfDay, FraudLabels labels, int lag, Span<float> f)
    {
        f[FraudKnownToday] = 0;
        f[OrdinaryFraudKnownToday] = 0;
        var delayDay = day - labels.DelayDays;
        if (labels.DelayDays < Math.Max(lag, 1)) return; // that day is not complete yet: nothing of it is read
        MerchantDayTotals totals;
        if (pending is { } open && open.Day == delayDay) totals = open.Totals;
        else if (record is not null && record.IndexOf(delayDay) is var i and >= 0) totals = record.Totals[i];
        else return;
        var knownAt = labels.LastKnownSecondOfDelayDay(secondOfDay) + 1; // the totals' times are second of day + 1
        if (totals.FirstFraudAt != 0 && totals.FirstFraudAt <= knownAt) f[FraudKnownToday] = 1;
        if (totals.FirstOrdinaryFraudAt != 0 && totals.FirstOrdinaryFraudAt <= knownAt) f[OrdinaryFraudKnownToday] = 1;
        if (totals.FirstGenuineAt != 0 && totals.FirstGenuineAt <= knownAt) f[DaysSinceKnownGenuine] = labels.DelayDays;
    }

    /// <summary>The window sums (any order of days) and the latest fraud run (days added newest first).</summary>
    private struct Windows
    {
        private int _tx1, _tx7, _tx30, _cards1, _new7, _new30, _fraud1, _fraud7, _fraud30, _labelled1, _labelled7, _labelled30;
        private long _cents7;
        private RunPhase _phase;
        private int _runLast, _runFirst, _genuineBefore, _runFrauds, _genuineAfter, _runOrdinary, _ordinary30;
        private int _lastGenuineDay;
        private bool _genuineSeen;
        private bool _runPure;

        private enum RunPhase { SeekingFraud, InRun, SeekingGenuine, Done }

        public void Add(int day, in MerchantDayTotals t, int activityEnd, int labelEnd)
        {
            var age = activityEnd - day;
            if (age >= 0 && age < LongestWindowDays)
            {
                _tx30 += t.Transactions;
                _new30 += t.NewCardTransactions;
                if (age < 7)
                {
                    _tx7 += t.Transactions;
                    _new7 += t.NewCardTransactions;
                    _cents7 += t.AmountCents;
                    if (age == 0)
                    {
                        _tx1 = t.Transactions;
                        _cards1 = t.Cards;
                    }
                }
            }
            age = labelEnd - day;
            if (age >= 0 && age < LongestWindowDays)
            {
                _fraud30 += t.Frauds;
                _ordinary30 += t.OrdinaryFrauds;
                _labelled30 += t.Transactions;
                if (age < 7)
                {
                    _fraud7 += t.Frauds;
                    _labelled7 += t.Transactions;
                    if (age == 0)
                    {
                        _fraud1 = t.Frauds;
                        _labelled1 = t.Transactions;
                    }
                }
                if (t.Transactions > t.Frauds && (!_genuineSeen || day > _lastGenuineDay))
                {
                    _lastGenuineDay = day;
                    _genuineSeen = true;
                }
                AddToRun(day, t);
            }
        }

        private void AddToRun(int day, in MerchantDayTotals t)
        {
            var genuine = t.Transactions - t.Frauds;
            switch (_phase)
            {
                case RunPhase.SeekingFraud when t.Frauds > 0:
                    _runLast = _runFirst = day;
                    _runFrauds = t.Frauds;
                    _runOrdinary = t.OrdinaryFrauds;
                    _runPure = genuine == 0;
                    _genuineBefore = MerchantDays.None;
                    _phase = _runPure ? RunPhase.InRun : RunPhase.SeekingGenuine;
                    break;
                case RunPhase.SeekingFraud:
                    _genuineAfter += genuine;
                    break;
                case RunPhase.InRun when t.Transactions == 0:
                    break;
                case RunPhase.InRun when genuine == 0:
                    _runFirst = day;
                    _runFrauds += t.Frauds;
                    _runOrdinary += t.OrdinaryFrauds;
                    break;
                case RunPhase.InRun or RunPhase.SeekingGenuine when genuine > 0:
                    _genuineBefore = day;
                    _phase = RunPhase.Done;
                    break;
            }
        }

        public readonly void Write(Span<float> f, int day)
        {
            var run = _phase != RunPhase.SeekingFraud;
            f[DaysSinceFraud] = run ? day - _runLast : -1;
            f[RunDays] = run ? day - _runFirst : -1;
            f[DaysSinceGenuineBeforeRun] = run && _genuineBefore != MerchantDays.None ? day - _genuineBefore : -1;
            f[RunFrauds] = run ? _runFrauds : -1;
            f[RunOrdinaryFrauds] = run ? _runOrdinary : -1;
            f[OrdinaryFraud30d] = _ordinary30;
            f[GenuineSinceFraud] = run ? _genuineAfter : 0;
            f[RunPure] = run && _runPure ? 1 : 0;
            f[DaysSinceKnownGenuine] = _genuineSeen ? day - _lastGenuineDay : -1;
            f[Tx1d] = _tx1;
            f[Tx7d] = _tx7;
            f[Tx30d] = _tx30;
            f[Cards1d] = _cards1;
            f[NewCardShare7d] = _tx7 > 0 ? (float)_new7 / _tx7 : -1;
            f[NewCardShare30d] = _tx30 > 0 ? (float)_new30 / _tx30 : -1;
            f[AmtMean7d] = _tx7 > 0 ? (float)(_cents7 / 100.0 / _tx7) : -1;
            f[Fraud1d] = _fraud1;
            f[Fraud7d] = _fraud7;
            f[Fraud30d] = _fraud30;
            f[Risk1d] = _labelled1 > 0 ? (float)_fraud1 / _labelled1 : -1;
            f[Risk7d] = _labelled7 > 0 ? (float)_fraud7 / _labelled7 : -1;
            f[Risk30d] = _labelled30 > 0 ? (float)_fraud30 / _labelled30 : -1;
        }
    }
}
