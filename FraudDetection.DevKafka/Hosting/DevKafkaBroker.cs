using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Runs the mock cluster for the life of the host: one broker, every topic of <see cref="Topics.All"/>, advertised on
/// the fixed <see cref="DevKafkaOptions.BootstrapServers"/> through a <see cref="BrokerRelay"/>. Everything it holds
/// is in memory: a restart starts empty.
/// </summary>
public sealed class DevKafkaBroker(IOptions<DevKafkaOptions> options, ILogger<DevKafkaBroker> logger) : IHostedService, IAsyncDisposable
{
    private EmbeddedKafka? _kafka;
    private BrokerRelay? _relay;

    /// <summary>The running cluster (null before start and after stop).</summary>
    public EmbeddedKafka? Kafka => _kafka;

    /// <summary>True once the broker runs and its topics exist.</summary>
    public bool Started { get; private set; }

    public string BootstrapServers => options.Value.BootstrapServers;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var address = Dns.GetHostAddresses(settings.Host).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"DevKafka:Host '{settings.Host}' has no IPv4 address");
        _kafka = EmbeddedKafka.Start(brokers: 1, settings.Partitions, [.. Topics.All]);
        var own = IPEndPoint.Parse(_kafka.BootstrapServers);
        if (settings.LongPollFetches)
        {
            // Fetch v13 names topics by id, a Produce by name: the long poll matches them at v12.
            _kafka.LimitApiVersions(KafkaWire.Fetch, 0, KafkaWire.NewestLongPolledFetch);
        }
        try
        {
            var kafka = _kafka;
            _relay = BrokerRelay.Start(new IPEndPoint(address, settings.Port), own, logger, settings.LongPollFetches, () => kafka.LogChanges);
        }
        catch (SocketException e)
        {
            _kafka.Dispose();
            _kafka = null;
            throw new InvalidOperationException(
                $"port {settings.Port} on {settings.Host} is not available ({e.SocketErrorCode}): another program (another broker?) is using it; set DevKafka:Port", e);
        }
        _kafka.Advertise(1, settings.Host, settings.Port);
        Started = true;
        logger.LogInformation(
            "Development Kafka broker on {Bootstrap} (librdkafka mock cluster, in memory, relayed to {Own}{LongPoll}); topics {Topics} with {Partitions} partitions each",
            settings.BootstrapServers, _kafka.BootstrapServers, settings.LongPollFetches ? ", fetches long-polled" : "", string.Join(", ", Topics.All), settings.Partitions);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Outlives its clients for up to <see cref="DevKafkaOptions.ClientGracePeriod"/>: when the whole system stops at
    /// once, the services still deliver, commit and checkpoint what they hold instead of waiting out their timeouts
    /// against a broker that is gone.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_relay is { OpenConnections: > 0 and var open } relay)
        {
            logger.LogInformation("Stopping: waiting up to {Seconds} s for {Connections} client connection(s) to close", options.Value.ClientGracePeriod.TotalSeconds, open);
            if (!await relay.WaitForClientsToLeaveAsync(options.Value.ClientGracePeriod, cancellationToken))
            {
                logger.LogInformation("Stopping with {Connections} client connection(s) still open", relay.OpenConnections);
            }
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Started = false;
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
            _relay = null;
        }
        _kafka?.Dispose();
        _kafka = null;
    }
}
