using System.Net.Sockets;

namespace FraudDetection.DevKafka.Kafka;

/// <summary>
/// Reads Kafka frames (a 4-byte big-endian size, then the payload) from a blocking socket, several per receive when
/// they come together. A frame that fits <see cref="BufferBytes"/> comes whole; a larger one comes as its first
/// <see cref="BufferBytes"/> and the rest is streamed on by <see cref="CopyRest"/>, so a relay never holds a large
/// fetch answer or produce back until it has all arrived. What <see cref="TryRead"/> returns stays valid until the next call.
/// </summary>
public sealed class KafkaFrameReader(Socket socket)
{
    /// <summary>The largest frame accepted: a real broker's default <c>socket.request.max.bytes</c>.</summary>
    public const int MaxFrameBytes = 100 * 1024 * 1024;

    /// <summary>Frames up to this size (prefix included) come whole.</summary>
    public const int BufferBytes = 64 * 1024;

    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _start;
    private int _end;

    /// <summary>
    /// The next frame, size prefix included, or its first <see cref="BufferBytes"/> with <paramref name="rest"/> bytes
    /// still to come (0 when it is whole); false when the socket closed. Throws <see cref="InvalidDataException"/> on a
    /// size out of range.
    /// </summary>
    public bool TryRead(out Memory<byte> frame, out int rest)
    {
        frame = default;
        rest = 0;
        if (!Fill(4))
        {
            return false;
        }
        var size = KafkaWire.FrameSize(_buffer.AsSpan(_start, 4));
        if (size is < 0 or > MaxFrameBytes)
        {
            throw new InvalidDataException($"a Kafka frame of {size} bytes (at most {MaxFrameBytes})");
        }
        var head = Math.Min(4 + size, BufferBytes);
        if (!Fill(head))
        {
            return false;
        }
        frame = _buffer.AsMemory(_start, head);
        rest = 4 + size - head;
        _start += head;
        return true;
    }

    /// <summary>Streams the <paramref name="rest"/> of a large frame to <paramref name="send"/>, a buffer at a time; false when the socket closed first.</summary>
    public bool CopyRest(int rest, Action<ReadOnlySpan<byte>> send)
    {
        while (rest > 0)
        {
            if (_start == _end && !Fill(1))
            {
                return false;
            }
            var chunk = Math.Min(rest, _end - _start);
            send(_buffer.AsSpan(_start, chunk));
            _start += chunk;
            rest -= chunk;
        }
        return true;
    }

    /// <summary>Receives until <paramref name="count"/> bytes (at most the buffer) are buffered from <see cref="_start"/>; false when the socket closed first.</summary>
    private bool Fill(int count)
    {
        if (_end - _start >= count)
        {
            return true;
        }
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_buffer.Length - _start < count)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        while (_end - _start < count)
        {
            var read = socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (read == 0)
            {
                return false;
            }
            _end += read;
        }
        return true;
    }
}
