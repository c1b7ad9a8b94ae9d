using System.Buffers.Binary;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// The last <c>capacity</c> trans_num seen in one partition (as 64-bit hashes), oldest evicted first.
/// Persisted with the partition's checkpoint so a replay after a crash sees the same window.
/// </summary>
public sealed class DedupeWindow
{
    private readonly ulong[] ring;
    private readonly HashSet<ulong> members;
    private int next;
    private int count;

    public DedupeWindow(int capacity)
    {
        ring = new ulong[Math.Max(1, capacity)];
        members = new HashSet<ulong>(ring.Length);
    }

    public int Count => count;

    /// <summary>True when <paramref name="transNum"/> is new (and remembers it); false for a duplicate.</summary>
    public bool TryAdd(string transNum)
    {
        var hash = Hash(transNum);
        if (!members.Add(hash))
        {
            return false;
        }
        if (count == ring.Length)
        {
            members.Remove(ring[next]);
        }
        else
        {
            count++;
        }
        ring[next] = hash;
        next = (next + 1) % ring.Length;
        return true;
    }

    public bool Contains(string transNum) => members.Contains(Hash(transNum));

    /// <summary>Oldest first: count, then hashes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[4 + count * 8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, count);
        var start = (next - count + ring.Length) % ring.Length;
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(4 + i * 8), ring[(start + i) % ring.Length]);
        }
        return bytes;
    }

    public static DedupeWindow FromBytes(ReadOnlySpan<byte> bytes, int capacity)
    {
        var window = new DedupeWindow(capacity);
        if (bytes.Length < 4)
        {
            return window;
        }
        var stored = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        for (var i = Math.Max(0, stored - window.ring.Length); i < stored && 4 + i * 8 + 8 <= bytes.Length; i++)
        {
            var hash = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(4 + i * 8)..]);
            if (window.members.Add(hash))
            {
                window.ring[window.next] = hash;
                window.next = (window.next + 1) % window.ring.Length;
                window.count++;
            }
        }
        return window;
    }

    // FNV-1a 64 written by hand: stable across processes (string.GetHashCode is not), no package needed.
    private static ulong Hash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
