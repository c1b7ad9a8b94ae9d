using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Forwards every TCP connection from a fixed address to the mock broker's ephemeral listener, frame by frame.
/// Hand-written because librdkafka binds its mock brokers to a port of the kernel's choosing and no package here relays
/// raw TCP; Kafka's protocol needs nothing more, since the broker advertises the relay's address in its metadata.
/// It also long-polls fetches for the mock (<see cref="FetchLongPoll"/>).
/// </summary>
public sealed class BrokerRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;
    private readonly FetchLongPoll? _longPoll;

    private BrokerRelay(TcpListener listener, IPEndPoint target, ILogger logger, bool longPollFetches)
    {
        _listener = listener;
        _target = target;
        _logger = logger;
        _longPoll = longPollFetches ? new FetchLongPoll() : null;
        _accepting = AcceptAsync();
    }

    /// <summary>
    /// Listens on <paramref name="listen"/> (throws <see cref="SocketException"/> when the port is taken). With
    /// <paramref name="longPollFetches"/>, an empty fetch is answered as soon as its topics get data (<see cref="FetchLongPoll"/>);
    /// the broker behind must then serve Fetch no newer than <see cref="KafkaWire.NewestLongPolledFetch"/>, or fetches pass as they are.
    /// </summary>
    public static BrokerRelay Start(IPEndPoint listen, IPEndPoint target, ILogger logger, bool longPollFetches = true)
    {
        var listener = new TcpListener(listen);
        listener.Start(backlog: 64);
        return new BrokerRelay(listener, target, logger, longPollFetches);
    }

    /// <summary>The long poll's counts (<see cref="FetchLongPoll.Counts"/>); zeros when it is off.</summary>
    public (long Held, long WokenByData, long AnsweredAtDeadline) LongPollCounts => _longPoll?.Counts ?? default;

    /// <summary>Where the relay listens (its port when it was started on port 0).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Client connections open now.</summary>
    public int OpenConnections => _open.Count / 2;

    /// <summary>Waits until every client has closed its connections, or <paramref name="timeout"/>; true when none is left.</summary>
    public async Task<bool> WaitForClientsToLeaveAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (OpenConnections > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None);
        }
        return OpenConnections == 0;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException && _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogWarning("Relay could not accept a connection: {Error}", e.SocketErrorCode);
                continue;
            }
            Relay(client);
        }
    }

    /// <summary>
    /// Two blocking threads per connection, one a direction: a request wakes the thread that waits on it and nothing
    /// else. Async copies cost an event-loop wake and a thread-pool hop per request, two thirds of an idle system's
    /// broker CPU; a development broker has a few dozen connections, so threads are cheap.
    /// </summary>
    private void Relay(Socket client)
    {
        var upstream = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _open.TryAdd(client, 0);
        _open.TryAdd(upstream, 0);
        int port;
        try
        {
            // Kafka requests are small and latency-bound: no Nagle delay on either leg.
            client.NoDelay = true;
            upstream.NoDelay = true;
            port = ((IPEndPoint)client.RemoteEndPoint!).Port;
            upstream.Connect(_target);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The client left already, or the broker is stopping: the client sees its connection close.
            Close(client);
            Close(upstream);
            return;
        }
        var connection = new RelayedConnection(this, client, upstream);
        Start($"relay {port} up", connection.PumpRequests);
        Start($"relay {port} down", connection.PumpResponses);
    }

    private static void Start(string name, Action pump) =>
        new Thread(() => pump(), maxStackSize: 256 * 1024) { IsBackground = true, Name = name }.Start();

    /// <summary>A produce's topics, null when it was too large to read them all (then it counts for every topic).</summary>
    private sealed record ProducedTopics(string[]? Topics);

    /// <summary>
    /// One client's connection and its leg to the broker, relayed frame by frame. With long polling on, a fetch that
    /// waits goes to the broker with no wait and its empty answer is held by <see cref="FetchLongPoll"/>; produce
    /// acknowledgements tell it which topics got data. Every other frame passes as it came.
    /// </summary>
    private sealed class RelayedConnection(BrokerRelay relay, Socket client, Socket upstream) : IPolledConnection
    {
        private readonly Lock _clientWrites = new();
        private readonly Lock _upstreamWrites = new();

        /// <summary>
        /// Answers go to the client in the order of its requests, as Kafka promises (Java clients check it): while a
        /// fetch's empty answer is held, the answers that come after it wait behind it, as they did in the mock itself.
        /// </summary>
        private readonly Lock _order = new();
        private readonly Queue<byte[]> _waiting = new();
        private PolledFetch? _holding;

        /// <summary>Requests whose answers the relay reads: a produce's topics, or a long-polled fetch.</summary>
        private readonly ConcurrentDictionary<int, object> _awaited = new();

        private volatile bool _closed;

        public bool Closed => _closed;

        public void PumpRequests() => Pump(client, upstream, (reader, frame, rest) =>
        {
            NoteRequest(frame, whole: rest == 0);
            return Forward(reader, upstream, frame.Span, rest);
        });

        public void PumpResponses() => Pump(upstream, client, (reader, frame, rest) =>
        {
            object? request = null;
            if (!_awaited.IsEmpty)
            {
                _awaited.TryRemove(KafkaWire.ResponseCorrelationId(frame.Span[4..]), out request);
            }
            var forwarded = true;
            if (request is PolledFetch fetch && rest == 0 && !KafkaWire.FetchResponseHasNews(frame.Span[4..], fetch.Version)
                && Stopwatch.GetTimestamp() < fetch.Deadline)
            {
                lock (_order)
                {
                    // One held answer at a time (librdkafka has one fetch out per connection); another goes on as it is.
                    if (_holding is null || _holding == fetch)
                    {
                        fetch.EmptyAnswer = frame.ToArray();
                        _holding = fetch;
                        relay._longPoll!.Hold(fetch);
                        return true;
                    }
                }
            }
            lock (_order)
            {
                if (_holding is null)
                {
                    forwarded = Forward(reader, client, frame.Span, rest);
                }
                else if (request == _holding)
                {
                    // The held fetch, asked again, has news (or its wait is over): it goes first, then what waited behind it.
                    forwarded = Forward(reader, client, frame.Span, rest);
                    ReleaseWaiting();
                }
                else
                {
                    forwarded = Copy(reader, frame, rest, out var whole);
                    _waiting.Enqueue(whole);
                }
            }
            if (request is ProducedTopics produced)
            {
                relay._longPoll!.Produced(produced.Topics);
            }
            return forwarded;
        });

        /// <summary>Sends the answers that came behind a held fetch, in order (caller holds <see cref="_order"/>).</summary>
        private void ReleaseWaiting()
        {
            _holding = null;
            while (_waiting.TryDequeue(out var answer))
            {
                Send(client, answer);
            }
        }

        /// <summary>A whole frame, the rest of a large one read in; false when the socket closed first.</summary>
        private static bool Copy(KafkaFrameReader reader, Memory<byte> head, int rest, out byte[] whole)
        {
            var copy = whole = new byte[head.Length + rest];
            head.Span.CopyTo(copy);
            var at = head.Length;
            return reader.CopyRest(rest, chunk =>
            {
                chunk.CopyTo(copy.AsSpan(at));
                at += chunk.Length;
            });
        }

        /// <summary>Relays frames until either side closes; <paramref name="relayFrame"/> returns false when the rest of a frame could not be read.</summary>
        private void Pump(Socket from, Socket to, Func<KafkaFrameReader, Memory<byte>, int, bool> relayFrame)
        {
            var reader = new KafkaFrameReader(from);
            try
            {
                while (reader.TryRead(out var frame, out var rest) && relayFrame(reader, frame, rest))
                {
                }
            }
            catch (InvalidDataException e)
            {
                relay._logger.LogWarning("Relay closed a connection that sent {Problem}", e.Message);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // A client went away or the broker is stopping: the pair is closed below.
            }
            // Either side closing ends the pair (the other direction's thread then ends on its closed socket).
            _closed = true;
            relay.Close(from);
            relay.Close(to);
        }

        /// <summary>Notes the requests whose answers matter and rewrites a waiting fetch's wait to zero.</summary>
        private void NoteRequest(Memory<byte> frame, bool whole)
        {
            var payload = frame.Span[4..];
            if (relay._longPoll is not { } longPoll || !KafkaWire.TryReadRequestHeader(payload, out var header))
            {
                return;
            }
            if (whole && KafkaWire.TryReadFetchRequest(payload, header, out var fetch) && fetch.MaxWaitMs > 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload[fetch.MaxWaitOffset..], 0);
                var deadline = Stopwatch.GetTimestamp() + fetch.MaxWaitMs * Stopwatch.Frequency / 1000;
                _awaited[header.CorrelationId] = new PolledFetch(this, header.ApiVersion, frame.ToArray(), fetch.Topics, deadline)
                {
                    Produced = longPoll.Snapshot(fetch.Topics),
                };
            }
            else if (KafkaWire.TryReadProduceRequest(payload, header, out var acks, out var topics) && acks != 0)
            {
                // The head of a large produce may end before its topic list: then it may wake any fetch.
                _awaited[header.CorrelationId] = new ProducedTopics(topics);
            }
        }

        /// <summary>Writes a frame, streaming the rest of a large one; the pumps and the long poll's waker share each socket.</summary>
        private bool Forward(KafkaFrameReader reader, Socket to, ReadOnlySpan<byte> head, int rest)
        {
            lock (to == client ? _clientWrites : _upstreamWrites)
            {
                to.Send(head);
                return rest == 0 || reader.CopyRest(rest, chunk => to.Send(chunk));
            }
        }

        public void AskAgain(PolledFetch fetch)
        {
            _awaited[KafkaWire.ResponseCorrelationId(fetch.Request.AsSpan(8))] = fetch;
            TrySend(upstream, fetch.Request);
        }

        public void Answer(PolledFetch fetch)
        {
            lock (_order)
            {
                if (_holding != fetch)
                {
                    return;
                }
                try
                {
                    Send(client, fetch.EmptyAnswer);
                    ReleaseWaiting();
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    // The connection is closing: its pumps close the pair.
                }
            }
        }

        private void TrySend(Socket to, byte[] frame)
        {
            try
            {
                Send(to, frame);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The connection is closing: its pumps close the pair.
            }
        }

        /// <summary>Writes a whole frame; the pumps and the long poll's waker share each socket.</summary>
        private void Send(Socket to, byte[] frame)
        {
            lock (to == client ? _clientWrites : _upstreamWrites)
            {
                to.Send(frame);
            }
        }
    }

    private void Close(Socket socket)
    {
        if (!_open.TryRemove(socket, out _))
        {
            return;
        }
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _open.Keys)
        {
            Close(socket);
        }
        await _accepting;
        _longPoll?.Dispose();
        _stop.Dispose();
    }
}
