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

    private long _repeatedFetches;

    private BrokerRelay(TcpListener listener, IPEndPoint target, ILogger logger, bool longPollFetches, Func<long>? brokerLogChanges)
    {
        _listener = listener;
        _target = target;
        _logger = logger;
        _longPoll = longPollFetches ? new FetchLongPoll(brokerLogChanges) : null;
        _accepting = AcceptAsync();
    }

    /// <summary>
    /// Listens on <paramref name="listen"/> (throws <see cref="SocketException"/> when the port is taken). With
    /// <paramref name="longPollFetches"/>, an empty fetch is answered as soon as its topics get data (<see cref="FetchLongPoll"/>);
    /// the broker behind must then serve Fetch no newer than <see cref="KafkaWire.NewestLongPolledFetch"/>, or fetches pass as they are.
    /// <paramref name="brokerLogChanges"/> counts what changes the broker's logs beside the relay (<see cref="EmbeddedKafka.LogChanges"/>).
    /// </summary>
    public static BrokerRelay Start(IPEndPoint listen, IPEndPoint target, ILogger logger, bool longPollFetches = true, Func<long>? brokerLogChanges = null)
    {
        var listener = new TcpListener(listen);
        listener.Start(backlog: 64);
        return new BrokerRelay(listener, target, logger, longPollFetches, brokerLogChanges);
    }

    /// <summary>The long poll's counts (<see cref="FetchLongPoll.Counts"/>); zeros when it is off.</summary>
    public (long Held, long WokenByData, long AnsweredAtDeadline) LongPollCounts => _longPoll?.Counts ?? default;

    /// <summary>Fetches the relay answered with the broker's previous empty answer instead of asking it again.</summary>
    public long RepeatedFetches => Interlocked.Read(ref _repeatedFetches);

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

    /// <summary>A request that changes a log other than by a produce: counted when it goes and when it is answered.</summary>
    private sealed record LogChange;

    /// <summary>
    /// Requests that may change what a fetch is answered besides a produce: topics made, deleted or given partitions,
    /// records deleted, configurations altered (retention), transactions ended (the last stable offset).
    /// </summary>
    private static bool ChangesLogs(short apiKey) => apiKey is 19 or 20 or 21 or 26 or 27 or 33 or 37 or 44;

    /// <summary>
    /// The last fetch the broker answered empty on a connection (<see cref="PolledFetch.Key"/>), the answer in pieces,
    /// and the snapshot of its topics (<see cref="FetchLongPoll.Snapshot"/>) taken before it was asked.
    /// </summary>
    private sealed record EmptyFetch(byte[] Key, KafkaWire.EmptyFetchAnswer Answer, long[] Produced)
    {
        /// <summary>Whether <paramref name="fetch"/> asks the same of the same partitions, with the logs as they were.</summary>
        public bool Repeats(PolledFetch fetch) => fetch.Key.AsSpan().SequenceEqual(Key) && fetch.Produced.AsSpan().SequenceEqual(Produced);
    }

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

        /// <summary>Requests whose answers the relay reads: a produce's topics, a long-polled fetch, or a log change.</summary>
        private readonly ConcurrentDictionary<int, object> _awaited = new();

        /// <summary>Requests sent to the broker whose answers have not been relayed yet (a produce with acks 0 gets none).</summary>
        private int _unanswered;

        /// <summary>Set once a request passed whose answer cannot be counted on: no fetch is answered here after it.</summary>
        private volatile bool _uncounted;

        /// <summary>
        /// The broker's last empty answer to a fetch on this connection. The same fetch asked again while nothing was
        /// produced to its topics and no log changed gets the same answer: the relay holds a copy instead of asking, so
        /// an idle consumer costs the broker nothing between its data (most fetches of an idle system).
        /// </summary>
        private volatile EmptyFetch? _lastEmpty;

        /// <summary>Whether the broker's last answer to a fetch on this connection held records (<see cref="FetchLongPoll.CatchingUpWaitMs"/>).</summary>
        private volatile bool _lastFetchHadRecords;

        private volatile bool _closed;

        public bool Closed => _closed;

        public void PumpRequests() => Pump(client, upstream, (reader, frame, rest) =>
            NoteRequest(frame, whole: rest == 0) || Forward(reader, upstream, frame.Span, rest));

        public void PumpResponses() => Pump(upstream, client, (reader, frame, rest) =>
        {
            var relayed = RelayResponse(reader, frame, rest);
            // Counted once relayed (or held, or queued): a fetch answered here never overtakes an earlier answer.
            Interlocked.Decrement(ref _unanswered);
            return relayed;
        });

        private bool RelayResponse(KafkaFrameReader reader, Memory<byte> frame, int rest)
        {
            object? request = null;
            if (!_awaited.IsEmpty)
            {
                _awaited.TryRemove(KafkaWire.ResponseCorrelationId(frame.Span[4..]), out request);
            }
            var forwarded = true;
            if (request is PolledFetch fetch && rest == 0 && KafkaWire.SplitEmptyFetchAnswer(frame.Span[4..], fetch.Version) is { } pieces)
            {
                _lastEmpty = new EmptyFetch(fetch.Key, pieces, fetch.Produced);
                _lastFetchHadRecords = false;
                if (Stopwatch.GetTimestamp() < fetch.Deadline)
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
            }
            else if (request is PolledFetch)
            {
                _lastEmpty = null;
                _lastFetchHadRecords = true;
            }
            else if (request is LogChange)
            {
                relay._longPoll!.LogsChanged();
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
        }

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

        /// <summary>
        /// Notes the requests whose answers matter and rewrites a waiting fetch's wait to zero; true when the relay
        /// answers the request itself (a fetch that repeats the last one the broker answered empty).
        /// </summary>
        private bool NoteRequest(Memory<byte> frame, bool whole)
        {
            var payload = frame.Span[4..];
            if (relay._longPoll is not { } longPoll)
            {
                return false;
            }
            if (!KafkaWire.TryReadRequestHeader(payload, out var header))
            {
                _uncounted = true;
                return false;
            }
            if (whole && KafkaWire.TryReadFetchRequest(payload, header, out var fetch) && fetch.MaxWaitMs > 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload[fetch.MaxWaitOffset..], 0);
                var waitMs = _lastFetchHadRecords ? Math.Min(fetch.MaxWaitMs, FetchLongPoll.CatchingUpWaitMs) : fetch.MaxWaitMs;
                var polled = new PolledFetch(this, header.ApiVersion, frame.ToArray(), fetch.Topics, FetchLongPoll.DeadlineAfter(waitMs))
                {
                    Produced = longPoll.Snapshot(fetch.Topics),
                    Key = fetch.Key,
                    Order = fetch.Order,
                };
                if (TryHoldRepeated(polled, header.CorrelationId))
                {
                    return true;
                }
                _awaited[header.CorrelationId] = polled;
            }
            else if (header.ApiKey == KafkaWire.Produce)
            {
                if (!KafkaWire.TryReadProduceRequest(payload, header, out var acks, out var topics))
                {
                    _uncounted = true;
                    return false;
                }
                if (acks == 0)
                {
                    return false; // no answer comes
                }
                // The head of a large produce may end before its topic list: then it may wake any fetch.
                _awaited[header.CorrelationId] = new ProducedTopics(topics);
            }
            else if (ChangesLogs(header.ApiKey))
            {
                longPoll.LogsChanged();
                _awaited[header.CorrelationId] = new LogChange();
            }
            Interlocked.Increment(ref _unanswered);
            return false;
        }

        /// <summary>
        /// Holds a copy of the broker's last empty answer for <paramref name="fetch"/> when it repeats that fetch, the
        /// logs unchanged, and every earlier request on this connection has been answered (answers keep their order).
        /// </summary>
        private bool TryHoldRepeated(PolledFetch fetch, int correlationId)
        {
            if (_uncounted || Volatile.Read(ref _unanswered) != 0 || _lastEmpty is not { } last || !last.Repeats(fetch)
                || KafkaWire.BuildFetchAnswer(correlationId, last.Answer, fetch.Order) is not { } answer)
            {
                return false;
            }
            lock (_order)
            {
                if (_holding is not null)
                {
                    return false;
                }
                fetch.EmptyAnswer = answer;
                _holding = fetch;
                relay._longPoll!.Hold(fetch);
            }
            Interlocked.Increment(ref relay._repeatedFetches);
            return true;
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
            Interlocked.Increment(ref _unanswered);
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
