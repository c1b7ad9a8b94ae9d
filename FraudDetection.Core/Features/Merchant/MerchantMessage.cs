using System.Text;

namespace FraudDetection.Core.Features.Merchant;

/// <summary>What a merchant message carries.</summary>
public enum MerchantMessageKind : byte
{
    /// <summary>On <c>merchant.partials</c>: a card partition's closed days and progress.</summary>
    Partials = 1,

    /// <summary>On <c>merchant.features</c>: a stage partition's completed days (totals over all cards) and progress.</summary>
    Table = 2,
}

/// <summary>
/// A message of the merchant-feature topics: merchant days, and — on the last message of a batch (<see cref="Final"/>)
/// — where its sender stands. Partials: <see cref="Partition"/> is the card partition of <c>transactions</c> it comes
/// from, <see cref="Through"/> its closed days, <see cref="OpenDay"/> the day it is in (none when idle). Table:
/// <see cref="Partition"/> is the stage partition, <see cref="Through"/> the days complete over all cards,
/// <see cref="OpenDay"/> the newest day any card partition is in. Binary, little-endian, versioned.
/// </summary>
public sealed record MerchantMessage(
    MerchantMessageKind Kind,
    int Partition,
    int PartitionCount,
    int Through,
    int OpenDay,
    bool Final,
    IReadOnlyList<MerchantDay> Days)
{
    private const byte FormatVersion = 3;

    /// <summary>Most merchant days in one message (~52 bytes each: well under Kafka's default 1 MB message limit).</summary>
    public const int MaxDaysPerMessage = 20_000;

    public byte[] Encode()
    {
        using var buffer = new MemoryStream(32 + Days.Count * MerchantCodec.DayBytes);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write((byte)Kind);
            writer.Write(Partition);
            writer.Write(PartitionCount);
            writer.Write(Through);
            writer.Write(OpenDay);
            writer.Write(Final);
            writer.Write(Days.Count);
            foreach (var day in Days) MerchantCodec.Write(writer, day);
        }
        return buffer.ToArray();
    }

    /// <summary>Reads <see cref="Encode"/>'s bytes; InvalidDataException for anything else.</summary>
    public static MerchantMessage Decode(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            var version = reader.ReadByte();
            if (version != FormatVersion) throw new InvalidDataException($"Merchant message format {version} is not supported (this build reads {FormatVersion}).");
            var kind = (MerchantMessageKind)reader.ReadByte();
            if (kind is not (MerchantMessageKind.Partials or MerchantMessageKind.Table)) throw new InvalidDataException($"Unknown merchant message kind {(byte)kind}.");
            var partition = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (partition < 0 || count < 1 || partition >= count) throw new InvalidDataException($"Partition {partition} of {count} is not valid.");
            var through = reader.ReadInt32();
            var open = reader.ReadInt32();
            var final = reader.ReadBoolean();
            var n = MerchantCodec.Count(reader);
            if (n > MaxDaysPerMessage) throw new InvalidDataException($"{n} merchant days in one message (at most {MaxDaysPerMessage}).");
            var days = new MerchantDay[n];
            for (var i = 0; i < n; i++) days[i] = MerchantCodec.ReadDay(reader);
            if (reader.BaseStream.Position != bytes.Length) throw new InvalidDataException("Trailing bytes after a merchant message.");
            return new MerchantMessage(kind, partition, count, through, open, final, days);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The merchant message is truncated.", e);
        }
    }

    /// <summary>
    /// The messages for one destination partition: <paramref name="days"/> in chunks, the last one <see cref="Final"/>
    /// (always at least one message, so progress travels even without days).
    /// </summary>
    public static IEnumerable<MerchantMessage> Chunk(MerchantMessageKind kind, int partition, int partitionCount, int through, int openDay, IReadOnlyList<MerchantDay> days)
    {
        var sent = 0;
        do
        {
            var take = Math.Min(MaxDaysPerMessage, days.Count - sent);
            var chunk = new MerchantDay[take];
            for (var i = 0; i < take; i++) chunk[i] = days[sent + i];
            sent += take;
            yield return new MerchantMessage(kind, partition, partitionCount, through, openDay, sent == days.Count, chunk);
        }
        while (sent < days.Count);
    }

    /// <summary>The stage partition (of <paramref name="stagePartitions"/>) that owns a merchant.</summary>
    public static int StagePartitionOf(ulong merchant, int stagePartitions) => (int)(merchant % (ulong)stagePartitions);
}
