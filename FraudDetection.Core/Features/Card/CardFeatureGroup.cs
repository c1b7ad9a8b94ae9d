using System.Runtime.CompilerServices;

namespace FraudDetection.Core.Features.Card;

/// <summary>Values one group derives per transaction and a later group reads, so they are computed once.</summary>
internal struct CardFrame
{
    public double DailySpend;   // CardAmountFeatures: typical daily spend (0 without history)
    public double DailyCount;   // CardAmountFeatures: typical transactions per day (0 without history)
}

/// <summary>
/// A group of features computed from the transaction and the card's state: it declares its features
/// (<see cref="FeatureColumns"/>), computes them into its slice of the row and folds each transaction into its slice
/// of <see cref="CardState"/>. Instances carry the options of one <see cref="OnlineFeatureState"/>.
/// </summary>
internal abstract class CardFeatureGroup(FeatureColumns columns)
{
    public string Name { get; } = columns.Group;

    /// <summary>The group's first column in the full row.</summary>
    public int Offset { get; } = FeatureGroups.OffsetOf(columns);

    public int Count { get; } = columns.Count;

    /// <summary>
    /// Writes the group's features of <paramref name="tx"/> from what came strictly before it into <paramref name="f"/>
    /// (the group's slice). <paramref name="card"/> is null when the card has no history (new, or idle past the reset).
    /// </summary>
    public abstract void Compute(CardState? card, in TransactionView tx, ref CardFrame frame, Span<float> f);

    /// <summary>Folds <paramref name="tx"/> into the group's state; <paramref name="n"/> counts the card's transactions including it.</summary>
    public abstract void Update(CardState card, in TransactionView tx, int n);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static float Since(int now, int then) => Math.Max(0, (long)now - then);
}
