using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace FraudDetection.Scoring.Checkpoints;

/// <summary>
/// The record format of the Kafka checkpoint topic (format version 1), written by hand: no package here frames a
/// chunked, versioned binary value. A whole <see cref="PartitionCheckpoint"/> (state, next offset, dedupe window,
/// schema version) is one payload, so state and offset always travel together. A payload larger than the chunk
/// size is split; every chunk carries the checkpoint id, generation, index, count, payload length and SHA-256, so
/// the loader only ever rebuilds a complete, verified payload.
/// </summary>
/// <remarks>
/// Keys: a one-record checkpoint is keyed <c>{group}/{topic}/{partition}</c>. Chunks are keyed
/// <c>{group}/{topic}/{partition}#{slot}.{index}</c> with slot = generation mod 2: compaction keeps the latest record
/// per key, so a chunk set must never overwrite the keys of the last complete set (a torn write would then leave
/// neither set whole). Alternating slots keep the previous complete set intact until the next one is complete.
/// Topic names cannot contain '#', so the base key is everything before the last '#'.
/// </remarks>
public static class KafkaCheckpointEnvelope
{
    public const byte FormatVersion = 1;

    /// <summary>Magic + version + id(16) + generation(8) + index(4) + count(4) + payload length(4) + SHA-256(32).</summary>
    public const int HeaderSize = 4 + 1 + 16 + 8 + 4 + 4 + 4 + 32;

    private static ReadOnlySpan<byte> Magic => "FDCP"u8;

    /// <summary>One record of a checkpoint: its key and value.</summary>
    public sealed record Record(string Key, byte[] Value);

    /// <summary>One decoded record: which checkpoint set it belongs to and its part of the payload.</summary>
    public readonly record struct Chunk(
        string BaseKey, Guid Id, long Generation, int Index, int Count, int PayloadLength, byte[] Sha256, ReadOnlyMemory<byte> Data);

    public static string BaseKey(string group, string topic, int partition) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{group}/{topic}/{partition}");

    public static string BaseKey(PartitionCheckpoint checkpoint) => BaseKey(checkpoint.Group, checkpoint.Topic, checkpoint.Partition);

    /// <summary>The records of one checkpoint of generation <paramref name="generation"/>, in order.</summary>
    public static IReadOnlyList<Record> Encode(PartitionCheckpoint checkpoint, long generation, int chunkBytes, Guid? id = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        var payload = Serialize(checkpoint);
        var hash = SHA256.HashData(payload);
        var checkpointId = id ?? Guid.NewGuid();
        var count = Math.Max(1, (payload.Length + chunkBytes - 1) / chunkBytes);
        var baseKey = BaseKey(checkpoint);
        var records = new List<Record>(count);
        for (var index = 0; index < count; index++)
        {
            var data = payload.AsSpan(index * chunkBytes, Math.Min(chunkBytes, payload.Length - index * chunkBytes));
            var value = new byte[HeaderSize + data.Length];
            var span = value.AsSpan();
            Magic.CopyTo(span);
            span[4] = FormatVersion;
            checkpointId.TryWriteBytes(span[5..21]);
            BinaryPrimitives.WriteInt64LittleEndian(span[21..], generation);
            BinaryPrimitives.WriteInt32LittleEndian(span[29..], index);
            BinaryPrimitives.WriteInt32LittleEndian(span[33..], count);
            BinaryPrimitives.WriteInt32LittleEndian(span[37..], payload.Length);
            hash.CopyTo(span[41..]);
            data.CopyTo(span[HeaderSize..]);
            var key = count == 1
                ? baseKey
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{baseKey}#{generation % 2}.{index}");
            records.Add(new Record(key, value));
        }
        return records;
    }

    /// <summary>Reads one record; false (with the reason) for a value this format does not know.</summary>
    public static bool TryDecode(string key, byte[] value, out Chunk chunk, out string? error)
    {
        chunk = default;
        if (value.Length < HeaderSize || !value.AsSpan(0, 4).SequenceEqual(Magic))
        {
            error = "not a checkpoint envelope";
            return false;
        }
        if (value[4] != FormatVersion)
        {
            error = $"envelope format version {value[4]} (this build reads {FormatVersion})";
            return false;
        }
        var span = value.AsSpan();
        var index = BinaryPrimitives.ReadInt32LittleEndian(span[29..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[33..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[37..]);
        if (count < 1 || index < 0 || index >= count || length < 0)
        {
            error = $"bad chunk header (index {index}, count {count}, length {length})";
            return false;
        }
        var hash = key.LastIndexOf('#');
        chunk = new Chunk(
            count == 1 || hash < 0 ? key : key[..hash],
            new Guid(span[5..21]),
            BinaryPrimitives.ReadInt64LittleEndian(span[21..]),
            index,
            count,
            length,
            span[41..HeaderSize].ToArray(),
            value.AsMemory(HeaderSize));
        error = null;
        return true;
    }

    /// <summary>Rebuilds the checkpoint from a complete set of chunk data (in index order); null when it does not verify.</summary>
    public static PartitionCheckpoint? Assemble(IReadOnlyList<ReadOnlyMemory<byte>> parts, int payloadLength, byte[] sha256)
    {
        var total = 0L;
        foreach (var part in parts)
        {
            total += part.Length;
        }
        if (total != payloadLength)
        {
            return null;
        }
        var payload = new byte[payloadLength];
        var at = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(payload.AsSpan(at));
            at += part.Length;
        }
        return SHA256.HashData(payload).AsSpan().SequenceEqual(sha256) ? Deserialize(payload) : null;
    }

    private static byte[] Serialize(PartitionCheckpoint checkpoint)
    {
        using var buffer = new MemoryStream(64 + checkpoint.FeatureState.Length + checkpoint.DedupeWindow.Length);
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(checkpoint.Group);
            writer.Write(checkpoint.Topic);
            writer.Write(checkpoint.Partition);
            writer.Write(checkpoint.NextOffset);
            writer.Write(checkpoint.SchemaVersion);
            writer.Write(checkpoint.SavedAt.UtcTicks);
            writer.Write(checkpoint.FeatureState.Length);
            writer.Write(checkpoint.FeatureState);
            writer.Write(checkpoint.DedupeWindow.Length);
            writer.Write(checkpoint.DedupeWindow);
        }
        return buffer.ToArray();
    }

    private static PartitionCheckpoint Deserialize(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
        var group = reader.ReadString();
        var topic = reader.ReadString();
        var partition = reader.ReadInt32();
        var nextOffset = reader.ReadInt64();
        var schemaVersion = reader.ReadString();
        var savedAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        var featureState = reader.ReadBytes(reader.ReadInt32());
        var dedupe = reader.ReadBytes(reader.ReadInt32());
        return new PartitionCheckpoint(group, topic, partition, nextOffset, schemaVersion, featureState, dedupe, savedAt);
    }
}
