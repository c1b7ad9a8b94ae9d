using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features.Card;

/// <summary>
/// The card's scalar state: its activity, then each group's slice (declared in that group's file). Blittable, so a
/// checkpoint is a byte copy and any change of layout is caught by the checkpoint's layout check.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CardScalars
{
    public int FirstTime;
    public int LastTime;
    public int Count;
    public RecentScalars Recent;
    public AmountScalars Amounts;
    public HabitScalars Habits;
    public LabelScalars Labels;
}

/// <summary>Fixed-size state of one card: about 4 KB whatever its history. The arrays belong to the groups named.</summary>
internal sealed class CardState
{
    public CardScalars S;

    /// <summary>The last 128 transactions (<see cref="CardRecentFeatures"/>).</summary>
    public readonly RingEntry[] Ring = new RingEntry[RingEntry.Capacity];

    /// <summary>The amounts of the last min(ring size, 32) transactions, sorted (<see cref="CardRecentFeatures"/>; not stored, rebuilt on load).</summary>
    public readonly float[] SortedRecent = new float[CardRecentFeatures.MedianWindow];

    /// <summary>Per category (<see cref="CardCategoryFeatures"/>).</summary>
    public readonly CategoryStats[] Categories = new CategoryStats[FeatureCategories.Slots];

    /// <summary>Direct-mapped cache of merchants visited (<see cref="CardHabitFeatures"/>).</summary>
    public readonly MerchantSlot[] Merchants = new MerchantSlot[CardHabitFeatures.MerchantSlots];

    /// <summary>Bloom filter of merchants seen (<see cref="CardHabitFeatures"/>).</summary>
    public readonly ulong[] Bloom = new ulong[CardHabitFeatures.BloomWords];

    public static int ApproximateBytes { get; } =
        Marshal.SizeOf<CardScalars>() + RingEntry.Capacity * Marshal.SizeOf<RingEntry>() +
        FeatureCategories.Slots * Marshal.SizeOf<CategoryStats>() + CardHabitFeatures.MerchantSlots * Marshal.SizeOf<MerchantSlot>() +
        CardHabitFeatures.BloomWords * sizeof(ulong) + CardRecentFeatures.MedianWindow * sizeof(float) + 6 * 24 /* object and array headers */;

    /// <summary>The newest ring entry (the card's previous transaction); only when the ring is not empty.</summary>
    public ref readonly RingEntry Newest => ref Ring[S.Recent.RingHead == 0 ? RingEntry.Capacity - 1 : S.Recent.RingHead - 1];

    public void Clear()
    {
        S = default;
        Array.Clear(Ring);
        Array.Clear(Categories);
        Array.Clear(Merchants);
        Array.Clear(Bloom);
        Array.Clear(SortedRecent);
    }
}
