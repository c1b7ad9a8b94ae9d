using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FraudDetection.Core.Features.Card;
using FraudDetection.Core.Features.Merchant;

namespace FraudDetection.Core.Features;

public sealed partial class OnlineFeatureState
{
    private const ulong Magic = 0x3154_4145_4644_5246; // "FRDFEAT1" little-endian
    private const int FormatVersion = 5;
    private const uint EndMarker = 0xF00D_CAFE;

    /// <summary>
    /// Writes the whole state (binary, little-endian, versioned): a header with the format version, the schema
    /// version, the layout sizes and the options that change features, each card's fixed-size state as raw bytes, then
    /// the merchant partials (and the merchant table when this instance keeps its own).
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToCheckpointBytes());
    }

    /// <summary>
    /// What <see cref="Save"/> writes, as one array allocated at its final size: the cards, nearly all of it, are copied
    /// once, with no stream growing by doubling and no copy out of it (a checkpoint pauses the consume loop for this).
    /// </summary>
    public byte[] ToCheckpointBytes()
    {
        EnsureLittleEndian();
        using var head = new MemoryStream();
        using (var writer = new BinaryWriter(head, Encoding.UTF8, leaveOpen: true)) WriteHeader(writer);
        using var tail = new MemoryStream();
        using (var writer = new BinaryWriter(tail, Encoding.UTF8, leaveOpen: true)) WriteTrailer(writer);
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)(head.Length + (long)_cards.Count * CardRecordBytes + tail.Length)));
        var span = bytes.AsSpan();
        head.GetBuffer().AsSpan(0, (int)head.Length).CopyTo(span);
        var at = (int)head.Length;
        foreach (var (ccNum, card) in _cards)
        {
            MemoryMarshal.Write(span[at..], in ccNum);
            at += sizeof(long);
            at += Copy(MemoryMarshal.AsBytes(new ReadOnlySpan<CardScalars>(in card.S)), span[at..]);
            at += Copy(MemoryMarshal.AsBytes(card.Ring.AsSpan()), span[at..]);
            at += Copy(MemoryMarshal.AsBytes(card.Categories.AsSpan()), span[at..]);
            at += Copy(MemoryMarshal.AsBytes(card.Merchants.AsSpan()), span[at..]);
            at += Copy(MemoryMarshal.AsBytes(card.Bloom.AsSpan()), span[at..]);
        }
        if (at + tail.Length != bytes.Length) throw new InvalidOperationException("A card's checkpoint size differs from its layout.");
        tail.GetBuffer().AsSpan(0, (int)tail.Length).CopyTo(span[at..]);
        return bytes;

        static int Copy(ReadOnlySpan<byte> from, Span<byte> to)
        {
            from.CopyTo(to);
            return from.Length;
        }
    }

    private void WriteHeader(BinaryWriter writer)
    {
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(FeatureSchema.Current.Version);
        WriteLayout(writer);
        writer.Write(_labelDelay);
        writer.Write(_idleReset);
        writer.Write(Options.MerchantDayLag);
        writer.Write(_clock);
        writer.Write(_lastSweep);
        writer.Write(EvictedCards);
        writer.Write(_cards.Count);
    }

    private void WriteTrailer(BinaryWriter writer)
    {
        writer.Write(_partials is not null);
        _partials?.Save(writer);
        writer.Write(_ownsMerchants);
        if (_ownsMerchants) _merchants!.Save(writer);
        writer.Write(EndMarker);
    }

    /// <summary>
    /// Reads a state written by <see cref="Save"/>, for the same <paramref name="selection"/> and kind of merchant table.
    /// Refuses (InvalidDataException) another format, another feature schema, a checkpoint made with a label delay,
    /// idle reset or merchant day lag other than <paramref name="options"/>' ones, and truncated or corrupt data.
    /// </summary>
    public static OnlineFeatureState Load(Stream stream, FeatureOptions? options = null, FeatureSelection? selection = null, MerchantHistory? merchantTable = null,
        LabelEvents? labelEvents = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        var state = new OnlineFeatureState(options, selection, merchantTable) { LabelEvents = labelEvents };
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
            var merchantLag = reader.ReadInt32();
            if (labelDelay != state._labelDelay || idleReset != state._idleReset || merchantLag != state.Options.MerchantDayLag)
                throw new InvalidDataException(
                    $"The checkpoint was made with label delay {TimeSpan.FromSeconds(labelDelay)}, idle reset {TimeSpan.FromSeconds(idleReset)} and merchant day lag {merchantLag}; " +
                    $"the options say {state.Options.LabelDelay}, {state.Options.CardIdleReset} and {state.Options.MerchantDayLag}.");
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
                if ((uint)card.S.Recent.RingHead >= RingEntry.Capacity || (uint)card.S.Recent.RingSize > RingEntry.Capacity)
                    throw new InvalidDataException($"Card {i} has a corrupt ring position.");
                for (var k = 0; k < RingEntry.Capacity; k++)
                {
                    if (card.Ring[k].Category >= FeatureCategories.Slots || !float.IsFinite(card.Ring[k].Amount))
                        throw new InvalidDataException($"Card {i} has a corrupt ring entry.");
                }
                CardRecentFeatures.RebuildMedianWindow(card);
                if (!state._cards.TryAdd(ccNum, card)) throw new InvalidDataException("A card appears twice in the checkpoint.");
            }
            var hasPartials = reader.ReadBoolean();
            if (hasPartials != state._partials is not null)
                throw new InvalidDataException(hasPartials ? "The checkpoint has merchant features; this selection has none." : "The checkpoint has no merchant features; this selection has them.");
            var partials = hasPartials ? MerchantPartials.Load(reader, (int)Math.Ceiling(state.Options.CardIdleReset.TotalDays)) : null;
            var ownsMerchants = reader.ReadBoolean();
            if (ownsMerchants != state._ownsMerchants)
                throw new InvalidDataException(ownsMerchants ? "The checkpoint keeps its own merchant table; a shared one was given." : "The checkpoint reads a shared merchant table; none was given.");
            var merchants = ownsMerchants ? MerchantHistory.Load(reader, state._merchants!.RetainDays) : null;
            if (reader.ReadUInt32() != EndMarker) throw new InvalidDataException("The checkpoint has no end marker (truncated or corrupt).");
            if (partials is not null) state._partials = partials;
            if (merchants is not null) state._merchants = merchants;
            return state;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The feature-state checkpoint is truncated.", e);
        }
    }

    /// <summary>One card in a checkpoint: its number, then its fixed-size state.</summary>
    private static readonly int CardRecordBytes = sizeof(long) + Unsafe.SizeOf<CardScalars>() + RingEntry.Capacity * Unsafe.SizeOf<RingEntry>() +
        FeatureCategories.Slots * Unsafe.SizeOf<CategoryStats>() + CardHabitFeatures.MerchantSlots * Unsafe.SizeOf<MerchantSlot>() +
        CardHabitFeatures.BloomWords * sizeof(ulong);

    private static int[] Layout() =>
    [
        Unsafe.SizeOf<CardScalars>(), Unsafe.SizeOf<RingEntry>(), RingEntry.Capacity, Unsafe.SizeOf<CategoryStats>(),
        FeatureCategories.Slots, CardHabitFeatures.MerchantSlots, CardHabitFeatures.BloomWords,
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
