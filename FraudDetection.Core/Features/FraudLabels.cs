namespace FraudDetection.Core.Features;

/// <summary>
/// Where the feature code reads fraud labels, and when each label is known: the one place card and merchant features
/// ask. A label is the transaction's own <c>is_fraud</c> (a transaction without one counts as not fraud), known
/// <see cref="FeatureOptions.LabelDelay"/> after the transaction's time: the simulation of a chargeback. In Scoring,
/// verdicts learned sooner (the card holder's answer, an analyst's) come as <see cref="Events"/>.
/// </summary>
public sealed class FraudLabels
{
    private readonly long _delaySeconds;

    public FraudLabels(TimeSpan delay)
    {
        _delaySeconds = (long)delay.TotalSeconds;
        DelayDays = (int)Math.Ceiling(delay.TotalSeconds / 86400);
    }

    /// <summary>Verdicts learned after scoring, counted by the card label features from when they are applied (null: none).</summary>
    public LabelEvents? Events { get; set; }

    /// <summary>Whole days a label takes to be known (rounded up).</summary>
    public int DelayDays { get; }

    /// <summary>Whether the transaction is labelled fraud; features use it only once <see cref="IsKnown"/>.</summary>
    public bool IsFraud(Transactions.Transaction tx) => tx.IsFraud == 1;

    /// <summary>Whether the label of a transaction made at <paramref name="labelledTime"/> is known at <paramref name="now"/> (seconds).</summary>
    public bool IsKnown(int labelledTime, int now) => labelledTime + _delaySeconds <= now;

    /// <summary>
    /// The latest second of day D − <see cref="DelayDays"/> whose labels are known at <paramref name="secondOfDay"/> of
    /// day D: that day's labels become known through day D, each <see cref="FeatureOptions.LabelDelay"/> after its time.
    /// </summary>
    public int LastKnownSecondOfDelayDay(int secondOfDay) => (int)Math.Min(secondOfDay + DelayDays * 86_400L - _delaySeconds, 86_399);

    /// <summary>The newest day whose every label is known from the start of <paramref name="day"/>.</summary>
    public int LastKnownDay(int day) => day - DelayDays - 1;
}
