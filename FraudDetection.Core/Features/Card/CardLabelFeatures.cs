using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features.Card;

/// <summary>The card's fraud labels: those in the ring are flagged there; the rest are counted here.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LabelScalars
{
    public int RingFrauds;            // ring entries flagged fraud
    public int MaturedFrauds;         // labels that left the ring once known
    public int LastMaturedFraudTime;
    public int OverflowFrauds;        // fraud labels pushed out of the ring before they were known
    public int OverflowMaxTime;       // they all become known when the newest of them does (never early)
}

/// <summary>
/// The card's fraud labels known by now (<see cref="FraudLabels"/>: a label counts only once known). A label that
/// leaves the ring before it is known waits until the newest such label is known (later, never earlier).
/// </summary>
internal sealed class CardLabelFeatures(FraudLabels labels) : CardFeatureGroup(Columns)
{
    public static readonly FeatureColumns Columns = new(FeatureGroups.CardLabels);
    private static readonly int CardKnownFrauds = Columns.Add("card_known_frauds", "the card's previous transactions labelled fraud whose label is known by now (time + label delay <= now)", "card, all history, label delay");
    private static readonly int SecsSinceKnownFraud = Columns.Add("secs_since_known_fraud", "seconds since the latest such known-fraud transaction; -1 none", "card, all history, label delay");

    public override void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f)
    {
        if (card is null)
        {
            f[CardKnownFrauds] = 0;
            f[SecsSinceKnownFraud] = -1;
            return;
        }
        ref readonly var l = ref card.S.Labels;
        var t = tx.Time;
        // Fraud labels still in the ring (rare: only cards with a labelled fraud among their last 128).
        int knownInRing = 0, lastKnownFraud = int.MinValue;
        if (l.RingFrauds > 0)
        {
            var ring = card.Ring;
            for (var k = 0; k < card.S.Recent.RingSize; k++)
            {
                ref readonly var e = ref ring[k];
                if ((e.Flags & RingEntry.Fraud) != 0 && labels.IsKnown(e.Time, t))
                {
                    knownInRing++;
                    if (e.Time > lastKnownFraud) lastKnownFraud = e.Time;
                }
            }
        }
        var known = l.MaturedFrauds + knownInRing;
        if (l.MaturedFrauds > 0 && l.LastMaturedFraudTime > lastKnownFraud) lastKnownFraud = l.LastMaturedFraudTime;
        if (l.OverflowFrauds > 0 && labels.IsKnown(l.OverflowMaxTime, t))
        {
            known += l.OverflowFrauds;
            if (l.OverflowMaxTime > lastKnownFraud) lastKnownFraud = l.OverflowMaxTime;
        }
        // Verdicts learned sooner (the holder's answer, an analyst's): each previous transaction once. A transaction
        // whose own label says fraud is counted by that label once known; a chargeback of it then adds nothing (it
        // comes on another topic, so counting it would depend on timing, and offline would differ).
        if (labels.Events is { Count: > 0 } events && events.TryGet(tx.Card, out var verdicts))
        {
            foreach (var verdict in verdicts)
            {
                if (!verdict.Fraud || verdict.Time > t
                    || ((verdict.Chargeback || labels.IsKnown(verdict.Time, t)) && RingFraudAt(card, verdict.Time)))
                {
                    continue;
                }
                known++;
                if (verdict.Time > lastKnownFraud) lastKnownFraud = verdict.Time;
            }
        }
        f[CardKnownFrauds] = known;
        f[SecsSinceKnownFraud] = known > 0 ? Since(t, lastKnownFraud) : -1;
    }

    /// <summary>Whether the ring holds a transaction at <paramref name="time"/> labelled fraud (counted once its label is known).</summary>
    private static bool RingFraudAt(CardState card, int time)
    {
        if (card.S.Labels.RingFrauds == 0) return false;
        var ring = card.Ring;
        for (var k = 0; k < card.S.Recent.RingSize; k++)
        {
            if (ring[k].Time == time && (ring[k].Flags & RingEntry.Fraud) != 0) return true;
        }
        return false;
    }

    /// <summary>Runs before the ring push: the entry about to leave the ring moves its label to the counters.</summary>
    public override void Update(CardState card, in TransactionView tx, int n)
    {
        ref var l = ref card.S.Labels;
        var t = tx.Time;
        if (l.OverflowFrauds > 0 && labels.IsKnown(l.OverflowMaxTime, t))
        {
            l.MaturedFrauds += l.OverflowFrauds;
            l.LastMaturedFraudTime = Math.Max(l.LastMaturedFraudTime, l.OverflowMaxTime);
            l.OverflowFrauds = 0;
        }
        ref readonly var leaving = ref card.Ring[card.S.Recent.RingHead];
        if (card.S.Recent.RingSize == RingEntry.Capacity && (leaving.Flags & RingEntry.Fraud) != 0)
        {
            l.RingFrauds--;
            if (labels.IsKnown(leaving.Time, t))
            {
                l.MaturedFrauds++;
                l.LastMaturedFraudTime = Math.Max(l.LastMaturedFraudTime, leaving.Time);
            }
            else
            {
                l.OverflowFrauds++;
                l.OverflowMaxTime = Math.Max(l.OverflowMaxTime, leaving.Time);
            }
        }
        if (tx.IsFraud) l.RingFrauds++;
    }
}
