using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Forwards every TCP connection from a fixed address to the mock broker's ephemeral listener, byte for byte.
/// Hand-written because librdkafka binds its mock brokers to a port of the kernel's choosing and no package here relays
/// raw TCP; Kafka's protocol needs nothing more, since the broker advertises the relay's address in its metadata.
/// </summary>
public sealed class BrokerRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly Task _accepting;

    private BrokerRelay(TcpListener listener, IPEndPoint target, ILogger logger)
    {
        _listener = listener;
        _target = target;
        _logger = logger;
        _accepting = AcceptAsync();
    }

    /// <summary>Listens on <paramref name="listen"/> (throws <see cref="SocketException"/> when the port is taken).</summary>
    public static BrokerRelay Start(IPEndPoint listen, IPEndPoint target, ILogger logger)
    {
        var listener = new TcpListener(listen);
        listener.Start(backlog: 64);
        return new BrokerRelay(listener, target, logger);
    }

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
        Start($"relay {port} up", client, upstream);
        Start($"relay {port} down", upstream, client);
    }

    private void Start(string name, Socket from, Socket to) =>
        new Thread(() => Pump(from, to), maxStackSize: 256 * 1024) { IsBackground = true, Name = name }.Start();

    private void Pump(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = from.Receive(buffer)) > 0)
            {
                to.Send(buffer.AsSpan(0, read));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // A client went away or the broker is stopping: the pair is closed below.
        }
        // Either side closing ends the pair (the other direction's thread then ends on its closed socket).
        Close(from);
        Close(to);
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
        _stop.Dispose();
    }
}
