using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace FraudDetection.Core.Features;

public sealed partial class OnlineFeatureState
{
    private const ulong Magic = 0x3154_4145_4644_5246; // "FRDFEAT1" little-endian
    private const int FormatVersion = 2;
    private const uint EndMarker = 0xF00D_CAFE;

    /// <summary>
    /// Writes the whole state (binary, little-endian, versioned): a header with the format version, the schema
    /// version, the layout sizes and the options that change features, then each card's fixed-size state as raw bytes.
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(FeatureSchema.Current.Version);
        WriteLayout(writer);
        writer.Write(_labelDelay);
        writer.Write(_idleReset);
        writer.Write(_clock);
        writer.Write(_lastSweep);
        writer.Write(EvictedCards);
        writer.Write(_cards.Count);
        foreach (var (ccNum, card) in _cards)
        {
            writer.Write(ccNum);
            writer.Write(MemoryMarshal.AsBytes(new ReadOnlySpan<CardScalars>(in card.S)));
            writer.Write(MemoryMarshal.AsBytes(card.Ring.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(card.Categories.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(card.Merchants.AsSpan()));
            writer.Write(MemoryMarshal.AsBytes(card.Bloom.AsSpan()));
        }
        writer.Write(EndMarker);
    }

    /// <summary>
    /// Reads a state written by <see cref="Save"/>. Refuses (InvalidDataException) another format, another feature
    /// schema, or a checkpoint made with a label delay or idle reset other than <paramref name="options"/>' ones.
    /// </summary>
    public static OnlineFeatureState Load(Stream stream, FeatureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        var state = new OnlineFeatureState(options);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt64() != Magic) throw new InvalidDataException("Not a feature-state checkpoint (bad magic number).");
            var format = reader.ReadInt32();
            if (format != FormatVersion) throw new InvalidDataException($"Feature-state format {format} is not supported (this build reads {FormatVersion}).");
            var schema = reader.ReadString();
            if (schema != FeatureSchema.Current.Version)
                throw new InvalidDataException($"The checkpoint was made for feature schema {schema}; this build computes {FeatureSchema.Current.Version}. Rebuild the state from history.");
            Span<int> layout = stackalloc int[7];
            for (var i = 0; i < layout.Length; i++) layout[i] = reader.ReadInt32();
            if (!layout.SequenceEqual(Layout())) throw new InvalidDataException("The checkpoint's card layout differs from this build's.");
            var labelDelay = reader.ReadInt64();
            var idleReset = reader.ReadInt64();
            if (labelDelay != state._labelDelay || idleReset != state._idleReset)
                throw new InvalidDataException(
                    $"The checkpoint was made with label delay {TimeSpan.FromSeconds(labelDelay)} and idle reset {TimeSpan.FromSeconds(idleReset)}; " +
                    $"the options say {state.Options.LabelDelay} and {state.Options.CardIdleReset}.");
            state._clock = reader.ReadInt32();
            state._lastSweep = reader.ReadInt32();
            state.EvictedCards = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count < 0) throw new InvalidDataException($"Negative card count {count}.");
            state._cards.EnsureCapacity(count);
            for (var i = 0; i < count; i++)
            {
                var ccNum = reader.ReadInt64();
                var card = new CardState();
                stream.ReadExactly(MemoryMarshal.AsBytes(new Span<CardScalars>(ref card.S)));
                stream.ReadExactly(MemoryMarshal.AsBytes(card.Ring.AsSpan()));
                stream.ReadExactly(MemoryMarshal.AsBytes(card.Categories.AsSpan()));
                stream.ReadExactly(MemoryMarshal.AsBytes(card.Merchants.AsSpan()));
                stream.ReadExactly(MemoryMarshal.AsBytes(card.Bloom.AsSpan()));
                if ((uint)card.S.RingHead >= CardState.RingCapacity || (uint)card.S.RingSize > CardState.RingCapacity)
                    throw new InvalidDataException($"Card {i} has a corrupt ring position.");
                for (var k = 0; k < CardState.RingCapacity; k++)
                {
                    if (card.Ring[k].Category >= FeatureCategories.Slots || !float.IsFinite(card.Ring[k].Amount))
                        throw new InvalidDataException($"Card {i} has a corrupt ring entry.");
                }
                card.RebuildMedianWindow();
                if (!state._cards.TryAdd(ccNum, card)) throw new InvalidDataException("A card appears twice in the checkpoint.");
            }
            if (reader.ReadUInt32() != EndMarker) throw new InvalidDataException("The checkpoint has no end marker (truncated or corrupt).");
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The feature-state checkpoint is truncated.", e);
        }
        return state;
    }

    private static int[] Layout() =>
    [
        Unsafe.SizeOf<CardScalars>(), Unsafe.SizeOf<RingEntry>(), CardState.RingCapacity, Unsafe.SizeOf<CategoryStats>(),
        FeatureCategories.Slots, CardState.MerchantSlots, CardState.BloomWords,
    ];

    private static void WriteLayout(BinaryWriter writer)
    {
        foreach (var value in Layout()) writer.Write(value);
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Feature-state checkpoints are little-endian only.");
    }
}
