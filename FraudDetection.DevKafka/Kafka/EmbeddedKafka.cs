using System.Runtime.InteropServices;
using System.Text;
using FraudDetection.Core.Messaging;

namespace FraudDetection.DevKafka.Kafka;

/// <summary>
/// An in-process Kafka cluster: librdkafka's mock cluster (real Kafka protocol on 127.0.0.1, consumer groups,
/// committed offsets, data in memory), started through P/Invoke. Topics are created here, because the mock
/// cluster's admin CreateTopics does not answer.
/// </summary>
/// <remarks>
/// Retention is fixed by librdkafka: each partition keeps only its newest
/// <see cref="RetainedBytesPerPartition"/> (older message sets are dropped and the low watermark moves up). A consumer
/// that falls further behind than that loses messages (offset out of range), so keep consumers running alongside
/// producers, or use more partitions to retain more. After a consumer leaves a group, the next join completes only
/// after session.timeout.ms − 1 s; consumers that restart in-process should use a short session timeout (e.g. 6 s).
/// </remarks>
public sealed unsafe class EmbeddedKafka : IDisposable
{
    /// <summary>How much each partition retains (librdkafka's mock partition limit, not configurable).</summary>
    public const long RetainedBytesPerPartition = 5L * 1024 * 1024;

    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private const int ConfOk = 0;       // RD_KAFKA_CONF_OK

    private readonly Lock _gate = new();
    private nint _client;
    private nint _cluster;
    private long _logChanges;

    private EmbeddedKafka(nint client, nint cluster, string bootstrapServers, int brokers)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
        Brokers = brokers;
    }

    /// <summary>"127.0.0.1:port,..." for <c>bootstrap.servers</c>: the brokers' own listeners, in broker id order.</summary>
    public string BootstrapServers { get; }

    public int Brokers { get; }

    /// <summary>
    /// Starts a cluster of <paramref name="brokers"/> brokers and creates <paramref name="topics"/>
    /// (all of <see cref="Topics.All"/> when none are named) with <paramref name="partitions"/> partitions each.
    /// </summary>
    public static EmbeddedKafka Start(int brokers = 1, int partitions = 4, params string[] topics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        LibrdkafkaNative.Load();

        var confNew = (delegate* unmanaged[Cdecl]<nint>)LibrdkafkaNative.Export("rd_kafka_conf_new");
        var confSet = (delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, nuint, int>)LibrdkafkaNative.Export("rd_kafka_conf_set");
        var confDestroy = (delegate* unmanaged[Cdecl]<nint, void>)LibrdkafkaNative.Export("rd_kafka_conf_destroy");
        var kafkaNew = (delegate* unmanaged[Cdecl]<int, nint, byte*, nuint, nint>)LibrdkafkaNative.Export("rd_kafka_new");
        var clusterNew = (delegate* unmanaged[Cdecl]<nint, int, nint>)LibrdkafkaNative.Export("rd_kafka_mock_cluster_new");
        var bootstraps = (delegate* unmanaged[Cdecl]<nint, byte*>)LibrdkafkaNative.Export("rd_kafka_mock_cluster_bootstraps");

        var errors = stackalloc byte[512];
        var conf = confNew();
        // The handle only hosts the mock cluster; it connects nowhere, so keep its log to errors.
        foreach (var (name, value) in new[] { ("log_level", "3"), ("client.id", "fraud-embedded-kafka") })
        {
            var nameBytes = Utf8Z(name);
            var valueBytes = Utf8Z(value);
            fixed (byte* n = nameBytes, v = valueBytes)
            {
                if (confSet(conf, n, v, errors, 512) != ConfOk)
                {
                    confDestroy(conf);
                    throw new InvalidOperationException($"librdkafka refused {name}={value}: {Marshal.PtrToStringUTF8((nint)errors)}");
                }
            }
        }
        var client = kafkaNew(ProducerType, conf, errors, 512); // takes ownership of conf on success
        if (client == 0)
        {
            confDestroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((nint)errors)}");
        }
        var cluster = clusterNew(client, brokers);
        if (cluster == 0)
        {
            Destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed to start the embedded Kafka cluster.");
        }
        // The mock's default 3 s initial rebalance delay only slows every group join; a real broker's is a setting too.
        var rebalanceDelay = (delegate* unmanaged[Cdecl]<nint, int, void>)LibrdkafkaNative.Export("rd_kafka_mock_group_initial_rebalance_delay_ms");
        rebalanceDelay(cluster, 0);
        var servers = Marshal.PtrToStringUTF8((nint)bootstraps(cluster)) ?? "";
        var kafka = new EmbeddedKafka(client, cluster, servers, brokers);
        try
        {
            foreach (var topic in topics.Length == 0 ? Topics.All : topics)
            {
                kafka.CreateTopic(topic, partitions);
            }
        }
        catch
        {
            kafka.Dispose();
            throw;
        }
        return kafka;
    }

    /// <summary>Creates a topic (replication factor = min(brokers, 3)); an existing topic is left as it is.</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var replicas = Math.Min(Brokers, 3);
        var error = OnTopic(topic, (cluster, name) =>
            ((delegate* unmanaged[Cdecl]<nint, byte*, int, int, int>)LibrdkafkaNative.Export("rd_kafka_mock_topic_create"))(cluster, (byte*)name, partitions, replicas));
        const int TopicAlreadyExists = 36;
        if (error != 0 && error != TopicAlreadyExists)
        {
            throw new InvalidOperationException($"Creating topic '{topic}' failed: {ErrorText(error)}");
        }
    }

    /// <summary>
    /// Deletes the records of <paramref name="topic"/>/<paramref name="partition"/> before <paramref name="beforeOffset"/>
    /// (Kafka's DeleteRecords: the log start moves up). The mock finds a fetch's records by walking its log from the
    /// start, so a shorter log makes every fetch cheaper.
    /// </summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(beforeOffset);
        var error = OnTopic(topic, (cluster, name) =>
            ((delegate* unmanaged[Cdecl]<nint, byte*, int, long, int>)LibrdkafkaNative.Export("rd_kafka_mock_partition_delete_records"))(cluster, (byte*)name, partition, beforeOffset));
        if (error != 0)
        {
            throw new InvalidOperationException($"Deleting records of {topic}/{partition} before {beforeOffset} failed: {ErrorText(error)}");
        }
    }

    /// <summary>
    /// Counts the calls that changed a topic's log other than by a produce (a topic created, records deleted), before
    /// and after each: a fetch answered while it did not move was answered with the logs as they stand.
    /// </summary>
    public long LogChanges => Interlocked.Read(ref _logChanges);

    /// <summary>Runs a mock call on <paramref name="topic"/> (passed as a C string) under the cluster's lock; returns librdkafka's error code.</summary>
    private int OnTopic(string topic, Func<nint, nint, int> call)
    {
        var name = Utf8Z(topic);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            Interlocked.Increment(ref _logChanges);
            try
            {
                fixed (byte* n = name)
                {
                    return call(_cluster, (nint)n);
                }
            }
            finally
            {
                Interlocked.Increment(ref _logChanges);
            }
        }
    }

    private static string? ErrorText(int error) =>
        Marshal.PtrToStringUTF8((nint)((delegate* unmanaged[Cdecl]<int, byte*>)LibrdkafkaNative.Export("rd_kafka_err2str"))(error));

    /// <summary>
    /// Makes broker <paramref name="brokerId"/> (1-based) advertise <paramref name="host"/>:<paramref name="port"/> in
    /// its metadata instead of its own listener. librdkafka binds every mock broker to an ephemeral loopback port and
    /// offers no way to choose it; a relay listening on the advertised address forwards to <see cref="BootstrapServers"/>.
    /// Call it before any client connects.
    /// </summary>
    public void Advertise(int brokerId, string host, int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerId, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokerId, Brokers);
        var setHostPort = (delegate* unmanaged[Cdecl]<nint, int, byte*, int, void>)LibrdkafkaNative.Export("rd_kafka_mock_broker_set_host_port");
        var hostBytes = Utf8Z(host);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            fixed (byte* h = hostBytes)
            {
                setHostPort(_cluster, brokerId, h, port);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != 0)
            {
                var destroyCluster = (delegate* unmanaged[Cdecl]<nint, void>)LibrdkafkaNative.Export("rd_kafka_mock_cluster_destroy");
                destroyCluster(_cluster);
                _cluster = 0;
            }
            if (_client != 0)
            {
                Destroy(_client);
                _client = 0;
            }
        }
    }

    /// <summary>
    /// Limits the versions the brokers offer for <paramref name="apiKey"/> (clients then speak the newest both sides
    /// know). <paramref name="maxVersion"/> must not exceed what the mock implements. Call it before any client connects.
    /// </summary>
    public void LimitApiVersions(short apiKey, short minVersion, short maxVersion)
    {
        var setApiVersion = (delegate* unmanaged[Cdecl]<nint, short, short, short, int>)LibrdkafkaNative.Export("rd_kafka_mock_set_apiversion");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_cluster == 0, this);
            var error = setApiVersion(_cluster, apiKey, minVersion, maxVersion);
            if (error != 0)
            {
                throw new InvalidOperationException($"Limiting API {apiKey} to versions {minVersion}-{maxVersion} failed: {ErrorText(error)}");
            }
        }
    }

    public override string ToString() => $"EmbeddedKafka({BootstrapServers})";

    private static void Destroy(nint client)
    {
        var destroy = (delegate* unmanaged[Cdecl]<nint, void>)LibrdkafkaNative.Export("rd_kafka_destroy");
        destroy(client);
    }

    private static byte[] Utf8Z(string text)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}
