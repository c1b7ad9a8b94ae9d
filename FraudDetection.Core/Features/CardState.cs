using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features;

/// <summary>One of the card's recent transactions, as the sliding windows need it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RingEntry
{
    public const byte Night = 1, Unusual = 2, Fraud = 4;

    public int Time;          // seconds since 2000-01-01, local wall clock
    public float Amount;
    public float Ratio;       // amount / the card's category mean at that time; -1 unknown
    public byte Category;
    public byte Flags;
}

/// <summary>Per card and category: count and exponentially weighted amount moments.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CategoryStats
{
    public int Count;
    public int LastTime;
    public double MeanRaw;
    public double MeanLog;
    public double VarLog;
}

/// <summary>A direct-mapped cache slot: the card's last visit and visit count at one merchant.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MerchantSlot
{
    public uint Hash;
    public int LastTime;
    public int Count;
}

/// <summary>The card's scalar state (kept blittable so a checkpoint is a byte copy).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CardScalars
{
    public int FirstTime;
    public int LastTime;
    public int Count;
    public int RingHead;
    public int RingSize;
    public int RingFrauds;
    public int MaturedFrauds;
    public int LastMaturedFraudTime;
    public int OverflowFrauds;        // fraud labels pushed out of the ring before they were known
    public int OverflowMaxTime;       // they all become known when the newest of them does (never early)
    public double MeanRaw;
    public double MeanLog;
    public double VarLog;
    public double NightShare;
    public double HourSin;
    public double HourCos;
    public double DistMean;
    public double DecayedSpend;       // amounts decayed with the 30-day time constant, as of LastTime
    public double DecayedCount;
    public ulong CategoriesSeen;
    public ulong StatesSeen;
    public HourBlockCounts HourBlocks;
}

/// <summary>The card's transaction count per 4-hour block of the day.</summary>
[InlineArray(6)]
internal struct HourBlockCounts
{
    private int _element;
}

/// <summary>Fixed-size state of one card: about 4 KB whatever its history.</summary>
internal sealed class CardState
{
    public const int RingCapacity = 128;
    public const int MerchantSlots = 64;
    public const int BloomWords = 32; // 2048 bits
    public const int MedianWindow = 32;

    public CardScalars S;
    public readonly RingEntry[] Ring = new RingEntry[RingCapacity];
    public readonly CategoryStats[] Categories = new CategoryStats[FeatureCategories.Slots];
    public readonly MerchantSlot[] Merchants = new MerchantSlot[MerchantSlots];
    public readonly ulong[] Bloom = new ulong[BloomWords];

    /// <summary>The amounts of the last min(RingSize, 32) transactions, sorted: the median without sorting per call.</summary>
    public readonly float[] SortedRecent = new float[MedianWindow];

    public static int ApproximateBytes { get; } =
        Marshal.SizeOf<CardScalars>() + RingCapacity * Marshal.SizeOf<RingEntry>() +
        FeatureCategories.Slots * Marshal.SizeOf<CategoryStats>() + MerchantSlots * Marshal.SizeOf<MerchantSlot>() +
        BloomWords * sizeof(ulong) + MedianWindow * sizeof(float) + 6 * 24 /* object and array headers */;

    public void Clear()
    {
        S = default;
        Array.Clear(Ring);
        Array.Clear(Categories);
        Array.Clear(Merchants);
        Array.Clear(Bloom);
        Array.Clear(SortedRecent);
    }

    /// <summary>Derives <see cref="SortedRecent"/> from the ring (after a load: the window is not stored).</summary>
    public void RebuildMedianWindow()
    {
        var count = Math.Min(S.RingSize, MedianWindow);
        Array.Clear(SortedRecent);
        for (var k = 0; k < count; k++) SortedRecent[k] = Ring[(S.RingHead - 1 - k + 2 * RingCapacity) % RingCapacity].Amount;
        SortedRecent.AsSpan(0, count).Sort();
    }

    /// <summary>Keeps <see cref="SortedRecent"/> equal to the sorted amounts of the last 32 ring entries; call before the ring push.</summary>
    public void SlideMedianWindow(float amount)
    {
        var count = Math.Min(S.RingSize, MedianWindow);
        var window = SortedRecent.AsSpan(0, count);
        if (count == MedianWindow)
        {
            var leaving = Ring[(S.RingHead - MedianWindow + RingCapacity) % RingCapacity].Amount;
            var at = window.BinarySearch(leaving);
            if (at < 0) throw new InvalidOperationException("Feature state is inconsistent: the median window lost an amount.");
            window[(at + 1)..].CopyTo(window[at..]);
            count--;
            window = window[..count];
        }
        var insert = window.BinarySearch(amount);
        if (insert < 0) insert = ~insert;
        window[insert..].CopyTo(SortedRecent.AsSpan(insert + 1, count - insert));
        SortedRecent[insert] = amount;
    }

    public bool BloomContains(uint hash)
    {
        var (a, b) = BloomBits(hash);
        return (Bloom[a >> 6] & (1UL << (a & 63))) != 0 && (Bloom[b >> 6] & (1UL << (b & 63))) != 0;
    }

    public void BloomAdd(uint hash)
    {
        var (a, b) = BloomBits(hash);
        Bloom[a >> 6] |= 1UL << (a & 63);
        Bloom[b >> 6] |= 1UL << (b & 63);
    }

    private static (int, int) BloomBits(uint hash)
    {
        var mixed = hash * 0x9E3779B1u;
        return ((int)(hash >> 21), (int)(mixed >> 21)); // two 11-bit positions
    }
}
