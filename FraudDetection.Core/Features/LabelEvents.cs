using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// Verdicts learned after scoring (the <c>fraud.labels</c> topic): the card holder's answer, an analyst's verdict, a
/// chargeback. A fraud verdict counts in the card's known frauds (<c>card_known_frauds</c>,
/// <c>secs_since_known_fraud</c>) from the moment it is applied, once per transaction whatever the source, and not a
/// second time when the transaction's own label becomes known after the label delay (a chargeback of a transaction
/// whose own label says fraud adds nothing: that label is the chargeback, simulated). The newest verdict on a
/// transaction wins (an analyst's "genuine" withdraws a customer's "fraud"). Offline, with no events, nothing changes.
/// Not thread-safe: the scoring thread applies and reads.
/// </summary>
public sealed class LabelEvents
{
    private readonly Dictionary<string, Dictionary<string, Verdict>> _byCard = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string> _cardIds = [];

    /// <summary>Transactions with a verdict.</summary>
    public int Count { get; private set; }

    /// <summary>Verdicts that changed what is known.</summary>
    public long Applied { get; private set; }

    /// <summary>Verdicts read again or no newer than the one held (a replayed topic, a second answer).</summary>
    public long Ignored { get; private set; }

    /// <summary>Applies a verdict; false when it changes nothing (a repeat, or older than the verdict held).</summary>
    public bool Apply(string cardId, string transNum, bool fraud, DateTime transactionTime, string source, DateTimeOffset learnedAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cardId);
        ArgumentException.ThrowIfNullOrWhiteSpace(transNum);
        if (!_byCard.TryGetValue(cardId, out var verdicts))
        {
            _byCard[cardId] = verdicts = new Dictionary<string, Verdict>(StringComparer.Ordinal);
        }
        var time = OnlineFeatureState.SecondsOf(transactionTime);
        if (verdicts.TryGetValue(transNum, out var held) && (learnedAt < held.LearnedAt || (held.Fraud == fraud && held.Time == time)))
        {
            Ignored++;
            return false;
        }
        if (!verdicts.ContainsKey(transNum)) Count++;
        verdicts[transNum] = new Verdict(time, fraud, learnedAt, source);
        Applied++;
        return true;
    }

    /// <summary>The card's verdicts (by its pseudonymous id, computed once per card while there are verdicts at all).</summary>
    internal bool TryGet(long card, out Dictionary<string, Verdict>.ValueCollection verdicts)
    {
        verdicts = default!;
        if (Count == 0) return false;
        if (!_cardIds.TryGetValue(card, out var id))
        {
            id = CardMask.CardId(card);
            if (_cardIds.Count >= MaxCachedCardIds) _cardIds.Clear();
            _cardIds[card] = id;
        }
        if (!_byCard.TryGetValue(id, out var byTransaction)) return false;
        verdicts = byTransaction.Values;
        return true;
    }

    private const int MaxCachedCardIds = 1 << 20;

    /// <summary>A verdict on one transaction: its time (seconds since the feature epoch) and whether it was fraud.</summary>
    internal readonly record struct Verdict(int Time, bool Fraud, DateTimeOffset LearnedAt, string Source)
    {
        public bool Chargeback => Source == Messaging.LabelSources.Chargeback;
    }
}
