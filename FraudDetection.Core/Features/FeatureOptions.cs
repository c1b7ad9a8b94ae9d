namespace FraudDetection.Core.Features;

/// <summary>
/// Settings of the online feature state (bindable from configuration). <see cref="LabelDelay"/>,
/// <see cref="CardIdleReset"/> and <see cref="MerchantDayLag"/> change feature values: training and scoring must use the same ones
/// (<see cref="OnlineFeatureState.Load"/> refuses a checkpoint made with others).
/// </summary>
public sealed record FeatureOptions
{
    public static FeatureOptions Default { get; } = new();

    /// <summary>A transaction's fraud label becomes usable at its time + this delay (chargebacks arrive late).</summary>
    public TimeSpan LabelDelay { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A card idle longer than this (event time) starts again from an empty history.</summary>
    public TimeSpan CardIdleReset { get; init; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Extra idle time before a reset card's memory is actually freed, measured against the newest event time this
    /// instance has seen; it absorbs the skew between partitions so that freeing memory never changes a feature.
    /// </summary>
    public TimeSpan EvictionSlack { get; init; } = TimeSpan.FromDays(2);

    /// <summary>
    /// Merchant features of a transaction on day D describe the merchant's activity up to day D − this (whole days). 1 is
    /// the freshest; a larger lag lets every card partition be that many days apart before Scoring waits for the
    /// merchant table (see docs/features.md).
    /// </summary>
    public int MerchantDayLag { get; init; } = 1;

    /// <summary>Hard cap on cards held; past it the longest-idle cards are dropped (size it above the active cards).</summary>
    public int MaxCards { get; init; } = 2_000_000;

    public void Validate()
    {
        if (LabelDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(LabelDelay), LabelDelay, "Label delay must not be negative.");
        if (CardIdleReset <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(CardIdleReset), CardIdleReset, "Card idle reset must be positive.");
        if (EvictionSlack < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(EvictionSlack), EvictionSlack, "Eviction slack must not be negative.");
        if (MerchantDayLag < 1) throw new ArgumentOutOfRangeException(nameof(MerchantDayLag), MerchantDayLag, "The merchant day lag must be at least 1 day.");
        if (MaxCards < 1) throw new ArgumentOutOfRangeException(nameof(MaxCards), MaxCards, "MaxCards must be at least 1.");
    }
}
