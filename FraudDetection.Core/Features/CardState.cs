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

/// <summary>Fixed-size state of one card: about 3.5 KB whatever its history.</summary>
internal sealed class CardState
{
    public const int RingCapacity = 128;
    public const int MerchantSlots = 64;
    public const int BloomWords = 32; // 2048 bits

    public CardScalars S;
    public readonly RingEntry[] Ring = new RingEntry[RingCapacity];
    public readonly CategoryStats[] Categories = new CategoryStats[FeatureCategories.Slots];
    public readonly MerchantSlot[] Merchants = new MerchantSlot[MerchantSlots];
    public readonly ulong[] Bloom = new ulong[BloomWords];

    public static int ApproximateBytes { get; } =
        Marshal.SizeOf<CardScalars>() + RingCapacity * Marshal.SizeOf<RingEntry>() +
        FeatureCategories.Slots * Marshal.SizeOf<CategoryStats>() + MerchantSlots * Marshal.SizeOf<MerchantSlot>() +
        BloomWords * sizeof(ulong) + 5 * 24 /* object and array headers */;

    public void Clear()
    {
        S = default;
        Array.Clear(Ring);
        Array.Clear(Categories);
        Array.Clear(Merchants);
        Array.Clear(Bloom);
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
