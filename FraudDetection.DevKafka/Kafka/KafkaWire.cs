using System.Buffers.Binary;
using System.Text;

namespace FraudDetection.DevKafka.Kafka;

/// <summary>
/// Reads the few fields of Kafka's wire protocol that the relay's fetch long-polling needs: a request's header, a
/// Fetch request's wait and topics, a Produce request's acks and topics, and whether a Fetch response carries records.
/// Hand-written because no package here parses Kafka frames (Confluent.Kafka wraps librdkafka, which keeps them inside).
/// Field layouts follow the protocol guide (kafka.apache.org/protocol) for the versions the mock cluster serves.
/// </summary>
public static class KafkaWire
{
    public const short Produce = 0;
    public const short Fetch = 1;

    /// <summary>The newest Fetch version the relay reads: v13 names topics by id, which a Produce request does not carry.</summary>
    public const short NewestLongPolledFetch = 12;

    /// <summary>The oldest Fetch version the relay reads (v4 added the fields every later version has).</summary>
    public const short OldestLongPolledFetch = 4;

    /// <summary>A request's header; <see cref="BodyOffset"/> is where its body starts within the frame's payload (Produce and Fetch only: other flexible requests' header tags are not skipped).</summary>
    public readonly record struct RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, int BodyOffset);

    /// <summary>
    /// A Fetch request: where its wait is (payload offset, big-endian int32), the wait, the topics it reads (each once,
    /// in ordinal order), <see cref="Key"/> and <see cref="Order"/>. Two requests with equal keys ask the same of the
    /// same partitions, whatever their waits and correlation ids and the order they list the partitions in (librdkafka
    /// starts each fetch at the next partition); <see cref="Order"/> is that order, topic entry by topic entry.
    /// </summary>
    public readonly record struct FetchRequest(int MaxWaitOffset, int MaxWaitMs, string[] Topics, byte[] Key, FetchTopic[] Order);

    /// <summary>One topic entry of a Fetch request or answer: the topic and its partitions, in the order listed.</summary>
    public readonly record struct FetchTopic(string Topic, int[] Partitions);

    /// <summary>
    /// An empty Fetch answer in pieces: the fields before its topics (after the correlation id), each partition's entry
    /// as it was written, and the fields after its topics; <see cref="BuildFetchAnswer"/> puts them together again
    /// when <see cref="Rebuildable"/> (no topic has tags of its own).
    /// </summary>
    public sealed record EmptyFetchAnswer(byte[] Head, Dictionary<(string Topic, int Partition), byte[]> Partitions, byte[] Tail, bool Flexible, bool Rebuildable);

    /// <summary>A frame's payload length from its 4-byte big-endian size prefix.</summary>
    public static int FrameSize(ReadOnlySpan<byte> prefix) => BinaryPrimitives.ReadInt32BigEndian(prefix);

    /// <summary>A response's correlation id (the first field of every response header).</summary>
    public static int ResponseCorrelationId(ReadOnlySpan<byte> payload) => BinaryPrimitives.ReadInt32BigEndian(payload);

    /// <summary>Reads a request header; false when the payload is too short or malformed.</summary>
    public static bool TryReadRequestHeader(ReadOnlySpan<byte> payload, out RequestHeader header)
    {
        header = default;
        try
        {
            var reader = new Reader(payload);
            var apiKey = reader.Int16();
            var version = reader.Int16();
            var correlationId = reader.Int32();
            reader.SkipString(flexible: false); // client id: a classic string even in flexible headers
            if (IsFlexible(apiKey, version))
            {
                reader.SkipTags();
            }
            header = new RequestHeader(apiKey, version, correlationId, reader.Position);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads a Fetch request of a long-polled version (<see cref="OldestLongPolledFetch"/>–<see cref="NewestLongPolledFetch"/>).</summary>
    public static bool TryReadFetchRequest(ReadOnlySpan<byte> payload, RequestHeader header, out FetchRequest fetch)
    {
        fetch = default;
        if (header.ApiKey != Fetch || header.ApiVersion is < OldestLongPolledFetch or > NewestLongPolledFetch)
        {
            return false;
        }
        var version = header.ApiVersion;
        var flexible = version >= 12;
        try
        {
            var reader = new Reader(payload, header.BodyOffset);
            reader.Skip(4); // replica id
            var maxWaitOffset = reader.Position;
            var maxWait = reader.Int32();
            reader.Skip(4 + 4 + 1); // min bytes, max bytes, isolation level
            if (version >= 7)
            {
                reader.Skip(4 + 4); // session id and epoch
            }
            var topicsStart = reader.Position;
            var topicCount = reader.ArrayCount(flexible);
            var order = new FetchTopic[Math.Max(topicCount, 0)];
            var entries = new List<byte[]>();
            for (var t = 0; t < order.Length; t++)
            {
                var nameStart = reader.Position;
                var topic = reader.NullableString(flexible) ?? "";
                var name = payload[nameStart..reader.Position];
                var partitions = new int[Math.Max(reader.ArrayCount(flexible), 0)];
                for (var p = 0; p < partitions.Length; p++)
                {
                    var entryStart = reader.Position;
                    partitions[p] = reader.Int32();
                    reader.Skip((version >= 9 ? 4 : 0) + 8 + (version >= 12 ? 4 : 0) + (version >= 5 ? 8 : 0) + 4);
                    if (flexible)
                    {
                        reader.SkipTags();
                    }
                    entries.Add([.. name, .. payload[entryStart..reader.Position]]);
                }
                var tagsStart = reader.Position;
                if (flexible)
                {
                    reader.SkipTags();
                }
                if (reader.Position - tagsStart > 1)
                {
                    entries.Add([.. name, .. payload[tagsStart..reader.Position]]); // a topic's own tags (none in practice)
                }
                order[t] = new FetchTopic(topic, partitions);
            }
            var topicsEnd = reader.Position;
            entries.Sort((a, b) => a.AsSpan().SequenceCompareTo(b));
            var key = new List<byte>(payload.Length);
            Span<byte> length = stackalloc byte[4];
            key.AddRange(payload[..4]); // API key and version: not the correlation id
            key.AddRange(payload[8..maxWaitOffset]); // client id, header tags, replica id: not the wait
            key.AddRange(payload[(maxWaitOffset + 4)..topicsStart]);
            foreach (var entry in entries)
            {
                BinaryPrimitives.WriteInt32BigEndian(length, entry.Length);
                key.AddRange(length);
                key.AddRange(entry);
            }
            key.AddRange(payload[topicsEnd..]); // forgotten topics, rack id
            var topics = order.Select(o => o.Topic).Distinct().Order(StringComparer.Ordinal).ToArray();
            fetch = new FetchRequest(maxWaitOffset, maxWait, topics, [.. key], order);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads a Produce request's acks and topics (v3 and later: the versions with a transactional id). False when not
    /// even its acks can be read; <paramref name="topics"/> is null when the frame ends before its topic list does (the
    /// head of a large frame).
    /// </summary>
    public static bool TryReadProduceRequest(ReadOnlySpan<byte> payload, RequestHeader header, out short acks, out string[]? topics)
    {
        acks = 0;
        topics = null;
        if (header.ApiKey != Produce || header.ApiVersion < 3)
        {
            return false;
        }
        var flexible = IsFlexible(Produce, header.ApiVersion);
        var reader = new Reader(payload, header.BodyOffset);
        try
        {
            reader.SkipString(flexible); // transactional id
            acks = reader.Int16();
        }
        catch (FormatException)
        {
            return false;
        }
        try
        {
            reader.Skip(4); // timeout
            var topicCount = reader.ArrayCount(flexible);
            var names = new string[Math.Max(topicCount, 0)];
            for (var t = 0; t < names.Length; t++)
            {
                names[t] = reader.NullableString(flexible) ?? "";
                var partitions = reader.ArrayCount(flexible);
                for (var p = 0; p < partitions; p++)
                {
                    reader.Skip(4); // partition index
                    reader.SkipBytes(flexible); // records
                    if (flexible)
                    {
                        reader.SkipTags();
                    }
                }
                if (flexible)
                {
                    reader.SkipTags();
                }
            }
            topics = names;
        }
        catch (FormatException)
        {
            // Cut short: the acks are known, the topics are not.
        }
        return true;
    }

    /// <summary>
    /// Splits a Fetch answer (of a long-polled version) that is empty into its pieces; null when it has news for the
    /// client: records in any partition, an error at any level, or a layout this reader does not follow. The relay
    /// reads each fetch answer once, here.
    /// </summary>
    public static EmptyFetchAnswer? SplitEmptyFetchAnswer(ReadOnlySpan<byte> payload, short version)
    {
        var flexible = version >= 12;
        try
        {
            var reader = new Reader(payload);
            reader.Skip(4); // correlation id
            if (flexible)
            {
                reader.SkipTags();
            }
            reader.Skip(4); // throttle time
            if (version >= 7)
            {
                if (reader.Int16() != 0)
                {
                    return null;
                }
                reader.Skip(4); // session id
            }
            var head = payload[4..reader.Position].ToArray();
            var rebuildable = true;
            var partitions = new Dictionary<(string, int), byte[]>();
            var topics = reader.ArrayCount(flexible);
            for (var t = 0; t < topics; t++)
            {
                var topic = reader.NullableString(flexible) ?? "";
                var count = reader.ArrayCount(flexible);
                for (var p = 0; p < count; p++)
                {
                    var entryStart = reader.Position;
                    var partition = reader.Int32();
                    if (reader.Int16() != 0)
                    {
                        return null;
                    }
                    reader.Skip(8 + 8 + (version >= 5 ? 8 : 0)); // high watermark, last stable offset, log start offset
                    var aborted = reader.ArrayCount(flexible);
                    for (var a = 0; a < aborted; a++)
                    {
                        reader.Skip(16);
                        if (flexible)
                        {
                            reader.SkipTags();
                        }
                    }
                    if (version >= 11)
                    {
                        reader.Skip(4); // preferred read replica
                    }
                    if (reader.SkipBytes(flexible) > 0)
                    {
                        return null;
                    }
                    if (flexible)
                    {
                        reader.SkipTags();
                    }
                    partitions[(topic, partition)] = payload[entryStart..reader.Position].ToArray();
                }
                if (flexible)
                {
                    var tagsStart = reader.Position;
                    reader.SkipTags();
                    rebuildable &= reader.Position - tagsStart == 1; // a topic's own tags are not rebuilt
                }
            }
            return new EmptyFetchAnswer(head, partitions, payload[reader.Position..].ToArray(), flexible, rebuildable);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// The frame (size prefix included) of an empty Fetch answer to a request that lists its partitions as
    /// <paramref name="order"/> does, from the pieces of an earlier answer to the same partitions; null when a partition
    /// is missing from them or they cannot be put together again.
    /// </summary>
    public static byte[]? BuildFetchAnswer(int correlationId, EmptyFetchAnswer answer, FetchTopic[] order)
    {
        if (!answer.Rebuildable)
        {
            return null;
        }
        var frame = new List<byte>(64 + answer.Head.Length + answer.Partitions.Sum(p => p.Value.Length) + answer.Tail.Length);
        var int32 = new byte[4];
        void Int32(int value)
        {
            BinaryPrimitives.WriteInt32BigEndian(int32, value);
            frame.AddRange(int32);
        }
        void Count(int count)
        {
            if (!answer.Flexible)
            {
                Int32(count);
                return;
            }
            for (var value = (uint)count + 1; ; value >>= 7)
            {
                frame.Add((byte)(value < 0x80 ? value : (value & 0x7F) | 0x80));
                if (value < 0x80)
                {
                    break;
                }
            }
        }
        Int32(0); // the size, written last
        Int32(correlationId);
        frame.AddRange(answer.Head);
        Count(order.Length);
        foreach (var (topic, partitions) in order)
        {
            var name = Encoding.UTF8.GetBytes(topic);
            if (answer.Flexible)
            {
                Count(name.Length);
            }
            else
            {
                frame.Add((byte)(name.Length >> 8));
                frame.Add((byte)name.Length);
            }
            frame.AddRange(name);
            Count(partitions.Length);
            foreach (var partition in partitions)
            {
                if (!answer.Partitions.TryGetValue((topic, partition), out var entry))
                {
                    return null;
                }
                frame.AddRange(entry);
            }
            if (answer.Flexible)
            {
                frame.Add(0); // no topic tags
            }
        }
        frame.AddRange(answer.Tail);
        var bytes = frame.ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        return bytes;
    }

    /// <summary>Whether a request of this key and version uses the flexible (tagged-field) encoding.</summary>
    public static bool IsFlexible(short apiKey, short version) => apiKey switch
    {
        Produce => version >= 9,
        Fetch => version >= 12,
        _ => false, // only Produce and Fetch bodies are read; other headers are read no further than the correlation id
    };

    /// <summary>A bounds-checked big-endian reader; any overrun is a <see cref="FormatException"/>.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, int position = 0)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; } = position;

        public void Skip(int count)
        {
            if (count < 0 || Position + count > _data.Length)
            {
                throw new FormatException("frame ends early");
            }
            Position += count;
        }

        public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

        public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

        public uint UnsignedVarInt()
        {
            uint value = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Take(1)[0];
                value |= (uint)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
            throw new FormatException("varint too long");
        }

        /// <summary>An array's length: −1 for null.</summary>
        public int ArrayCount(bool flexible)
        {
            var count = flexible ? (int)UnsignedVarInt() - 1 : Int32();
            if (count > _data.Length - Position)
            {
                throw new FormatException("array longer than the frame");
            }
            return count;
        }

        /// <summary>Skips a (nullable) string without decoding it: the header's client id is read on every request.</summary>
        public void SkipString(bool flexible)
        {
            var length = flexible ? (int)UnsignedVarInt() - 1 : Int16();
            if (length > 0)
            {
                Skip(length);
            }
        }

        public string? NullableString(bool flexible)
        {
            var length = flexible ? (int)UnsignedVarInt() - 1 : Int16();
            return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
        }

        /// <summary>Skips a (nullable) byte field and returns its length (−1 for null).</summary>
        public int SkipBytes(bool flexible)
        {
            var length = flexible ? (int)UnsignedVarInt() - 1 : Int32();
            if (length > 0)
            {
                Skip(length);
            }
            return length;
        }

        public void SkipTags()
        {
            var count = UnsignedVarInt();
            for (var i = 0; i < count; i++)
            {
                UnsignedVarInt(); // tag
                Skip((int)UnsignedVarInt());
            }
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            var start = Position;
            Skip(count);
            return _data.Slice(start, count);
        }
    }
}
