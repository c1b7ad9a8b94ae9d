using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Scoring.Checkpoints;

/// <summary>
/// Checkpoints in a compacted Kafka topic (<c>Scoring:CheckpointStore=kafka</c>). Each partition checkpoint is one
/// self-contained value (<see cref="KafkaCheckpointEnvelope"/>): feature state, dedupe window, next offset and schema
/// version together, split into chunks above the chunk size. A save produces every record and returns only when all
/// are acknowledged (idempotent producer, acks=all); any failure throws, so the consumer does not commit offsets.
/// All-or-none holds per partition, not across the partitions of one save: each partition's record set is complete
/// on its own and the loader only accepts complete, verified sets, so every partition resumes from a checkpoint
/// whose state and offset agree — which is all a resume needs.
/// </summary>
/// <remarks>
/// The loader reads the topic from the beginning to its high-water marks (assigned, no group, no commits) and keeps
/// the latest complete set per key by generation; the index is kept between loads and only the new records are read
/// each time. It never relies on compaction having run (the embedded broker does not compact), only on it keeping the
/// latest record per key. All records of one key go to one partition of the checkpoint topic, in order.
/// </remarks>
public sealed class KafkaCheckpointStore : ICheckpointStore, IDisposable
{
    /// <summary>Broker default for a topic's <c>max.message.bytes</c>; only a larger chunk asks for more.</summary>
    private const int BrokerDefaultMaxMessageBytes = 1_048_588;

    private readonly string bootstrapServers;
    private readonly int chunkBytes;
    private readonly TimeSpan timeout;
    private readonly TimeSpan adminTimeout;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, (long Generation, PartitionCheckpoint Checkpoint)> latest = [];
    private readonly Dictionary<Guid, PendingSet> pendingSets = [];
    private IProducer<string, byte[]>? producer;
    private IConsumer<string, byte[]>? reader;
    private long[] nextOffsets = [];
    private bool loadedOnce;
    private bool disposed;

    /// <param name="bootstrapServers">Kafka bootstrap servers.</param>
    /// <param name="topic">The checkpoint topic; created compacted (one partition) when missing.</param>
    /// <param name="chunkBytes">Largest payload per record; a larger checkpoint is split into chunks.</param>
    /// <param name="timeout">Longest wait for acknowledgements on save and for reading the topic to its end on load.</param>
    /// <param name="adminTimeout">Longest wait for CreateTopics/DescribeConfigs (the embedded broker never answers them).</param>
    /// <param name="logger">Where warnings go.</param>
    public KafkaCheckpointStore(string bootstrapServers, string topic, int chunkBytes = 900_000, TimeSpan? timeout = null,
        TimeSpan? adminTimeout = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1024);
        this.bootstrapServers = bootstrapServers;
        Topic = topic;
        this.chunkBytes = chunkBytes;
        this.timeout = timeout ?? TimeSpan.FromSeconds(30);
        this.adminTimeout = adminTimeout ?? TimeSpan.FromSeconds(10);
        this.logger = logger ?? NullLogger.Instance;
    }

    public string Topic { get; }

    /// <summary>Partitions of the checkpoint topic (known once the store has connected).</summary>
    public int TopicPartitions => nextOffsets.Length;

    /// <summary>The partition of the checkpoint topic that holds every record of <paramref name="baseKey"/>.</summary>
    public static int PartitionFor(string baseKey, int partitions)
    {
        // FNV-1a 32 by hand: stable across processes and runtimes (string.GetHashCode is not).
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(baseKey))
        {
            hash = (hash ^ b) * 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }

    public PartitionCheckpoint? Load(string group, string topic, int partition)
    {
        lock (gate)
        {
            Refresh();
            return latest.TryGetValue(KafkaCheckpointEnvelope.BaseKey(group, topic, partition), out var entry) ? entry.Checkpoint : null;
        }
    }

    public IReadOnlyList<PartitionCheckpoint> LoadAll(string group, string topic)
    {
        lock (gate)
        {
            Refresh();
            return [.. latest.Values.Select(e => e.Checkpoint).Where(c => c.Group == group && c.Topic == topic).OrderBy(c => c.Partition)];
        }
    }

    public void Save(IReadOnlyList<PartitionCheckpoint> checkpoints)
    {
        if (checkpoints.Count == 0)
        {
            return;
        }
        lock (gate)
        {
            if (!loadedOnce)
            {
                Refresh(); // the next generation of each key must follow what is already in the topic
            }
            var generations = new Dictionary<string, long>();
            var records = new List<(TopicPartition Target, KafkaCheckpointEnvelope.Record Record)>();
            foreach (var checkpoint in checkpoints)
            {
                var baseKey = KafkaCheckpointEnvelope.BaseKey(checkpoint);
                var generation = (generations.TryGetValue(baseKey, out var g) ? g
                    : latest.TryGetValue(baseKey, out var entry) ? entry.Generation : 0) + 1;
                generations[baseKey] = generation;
                var target = new TopicPartition(Topic, PartitionFor(baseKey, nextOffsets.Length));
                records.AddRange(KafkaCheckpointEnvelope.Encode(checkpoint, generation, chunkBytes).Select(r => (target, r)));
            }
            ProduceAndWait(records);
            foreach (var checkpoint in checkpoints)
            {
                var baseKey = KafkaCheckpointEnvelope.BaseKey(checkpoint);
                if (!latest.TryGetValue(baseKey, out var entry) || entry.Generation <= generations[baseKey])
                {
                    latest[baseKey] = (generations[baseKey], checkpoint);
                }
            }
        }
    }

    /// <summary>
    /// Produces every record and blocks until each is acknowledged or failed. Delivery callbacks (librdkafka's poll
    /// thread) signal a countdown, not a task: waiting on tasks here would need a free thread-pool thread to finish
    /// them, and the caller is itself on the pool.
    /// </summary>
    private void ProduceAndWait(List<(TopicPartition Target, KafkaCheckpointEnvelope.Record Record)> records)
    {
        using var acknowledged = new CountdownEvent(records.Count);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void OnDelivered(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                errors.Enqueue(report.Error.Reason);
            }
            acknowledged.Signal();
        }
        var handed = 0;
        try
        {
            foreach (var (target, record) in records)
            {
                producer!.Produce(target, new Message<string, byte[]> { Key = record.Key, Value = record.Value }, OnDelivered);
                handed++;
            }
        }
        catch (Exception e) when (e is KafkaException or ArgumentException)
        {
            errors.Enqueue(e.Message);
            acknowledged.Signal(records.Count - handed); // never handed over: nothing will report them
        }
        // The producer's message.timeout.ms is the same timeout, so librdkafka reports a failure before this wait ends.
        if (!acknowledged.Wait(timeout + TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException($"Checkpoint records to '{Topic}' were not acknowledged within {timeout.TotalSeconds:0} s; the checkpoint is not saved.");
        }
        if (errors.TryPeek(out var first))
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail,
                $"{errors.Count} of {records.Count} checkpoint record(s) to '{Topic}' failed ({first}); the checkpoint is not saved."));
        }
    }

    /// <summary>Reads what is new in the topic up to its current high-water marks into the index.</summary>
    private void Refresh()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        EnsureConnected();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var targets = new Dictionary<int, long>();
        for (var p = 0; p < nextOffsets.Length; p++)
        {
            var high = reader!.QueryWatermarkOffsets(new TopicPartition(Topic, p), timeout).High.Value;
            if (nextOffsets[p] < high)
            {
                targets[p] = high;
            }
        }
        while (targets.Count > 0)
        {
            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Reading checkpoint topic '{Topic}' to its end took over {timeout.TotalSeconds:0} s " +
                                           $"(partitions {string.Join(",", targets.Keys)} not read to their high-water mark).");
            }
            var result = reader!.Consume(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            if (result is null)
            {
                continue;
            }
            var partition = result.Partition.Value;
            if (result.IsPartitionEOF)
            {
                nextOffsets[partition] = Math.Max(nextOffsets[partition], result.Offset.Value);
            }
            else
            {
                Apply(result);
                nextOffsets[partition] = result.Offset.Value + 1;
            }
            if (targets.TryGetValue(partition, out var target) && nextOffsets[partition] >= target)
            {
                targets.Remove(partition);
            }
        }
        // Sets older than the latest complete one of their key can never win any more.
        foreach (var (id, set) in pendingSets.ToList())
        {
            if (latest.TryGetValue(set.BaseKey, out var entry) && set.Generation < entry.Generation)
            {
                pendingSets.Remove(id);
            }
        }
        loadedOnce = true;
    }

    private void Apply(ConsumeResult<string, byte[]> result)
    {
        if (result.Message.Key is not { } key || result.Message.Value is not { } value)
        {
            return; // a tombstone or a keyless record: nothing to restore
        }
        if (!KafkaCheckpointEnvelope.TryDecode(key, value, out var chunk, out var error))
        {
            logger.LogWarning("Checkpoint topic {Topic} {Partition}@{Offset} skipped: {Error}", Topic, result.Partition.Value, result.Offset.Value, error);
            return;
        }
        if (chunk.Count == 1)
        {
            Accept(chunk.BaseKey, chunk.Generation, KafkaCheckpointEnvelope.Assemble([chunk.Data], chunk.PayloadLength, chunk.Sha256), result);
            return;
        }
        if (!pendingSets.TryGetValue(chunk.Id, out var set))
        {
            set = new PendingSet(chunk.BaseKey, chunk.Generation, chunk.Count, chunk.PayloadLength, chunk.Sha256);
            pendingSets[chunk.Id] = set;
        }
        if (set.Count != chunk.Count || set.PayloadLength != chunk.PayloadLength || set.BaseKey != chunk.BaseKey)
        {
            logger.LogWarning("Checkpoint topic {Topic} {Partition}@{Offset}: chunk disagrees with its set {Id}; skipped", Topic, result.Partition.Value, result.Offset.Value, chunk.Id);
            return;
        }
        if (set.Parts[chunk.Index] is null)
        {
            set.Parts[chunk.Index] = chunk.Data;
            set.Received++;
        }
        if (set.Received == set.Count)
        {
            pendingSets.Remove(chunk.Id);
            Accept(set.BaseKey, set.Generation, KafkaCheckpointEnvelope.Assemble([.. set.Parts.Select(p => p!.Value)], set.PayloadLength, set.Sha256), result);
        }
    }

    private void Accept(string baseKey, long generation, PartitionCheckpoint? checkpoint, ConsumeResult<string, byte[]> last)
    {
        if (checkpoint is null)
        {
            logger.LogWarning("Checkpoint for {Key} (generation {Generation}) ending at {Partition}@{Offset} does not verify (length or SHA-256); ignored",
                baseKey, generation, last.Partition.Value, last.Offset.Value);
            return;
        }
        if (!latest.TryGetValue(baseKey, out var entry) || generation >= entry.Generation)
        {
            latest[baseKey] = (generation, checkpoint);
        }
    }

    private void EnsureConnected()
    {
        if (reader is not null)
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(bootstrapServers))
        {
            throw new InvalidOperationException("Scoring:CheckpointStore=kafka needs the Kafka bootstrap servers (ConnectionStrings:kafka).");
        }
        int partitions;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build())
        {
            partitions = EnsureTopic(admin);
        }
        var maxMessageBytes = Math.Max(1_000_000, chunkBytes + KafkaCheckpointEnvelope.HeaderSize + 4096);
        producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 1,
            MessageMaxBytes = maxMessageBytes,
            MessageTimeoutMs = (int)timeout.TotalMilliseconds,
        }).Build();
        var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "checkpoint-reader-" + Guid.NewGuid().ToString("N"), // assigned, never joins or commits
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true,
            AllowAutoCreateTopics = false,
            // A load waits for the reader to reach the high-water mark: keep the idle long-poll and backoffs short.
            FetchWaitMaxMs = 20,
            FetchErrorBackoffMs = 20,
            MaxPartitionFetchBytes = maxMessageBytes,
            FetchMaxBytes = Math.Max(52_428_800, maxMessageBytes),
        })
            .SetErrorHandler((_, error) => logger.LogWarning("Checkpoint reader error: {Reason}", error.Reason))
            .Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        nextOffsets = new long[partitions];
        reader = consumer;
    }

    /// <summary>Creates the topic compacted when missing; refuses an existing one that is not compacted. Returns its partition count.</summary>
    private int EnsureTopic(IAdminClient admin)
    {
        if (FindTopic(admin) is { } existing)
        {
            VerifyCompacted(admin);
            return existing;
        }
        var configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" };
        var needed = chunkBytes + KafkaCheckpointEnvelope.HeaderSize + 4096;
        if (needed > BrokerDefaultMaxMessageBytes)
        {
            configs["max.message.bytes"] = needed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            admin.CreateTopicsAsync(
                    [new TopicSpecification { Name = Topic, NumPartitions = 1, ReplicationFactor = -1, Configs = configs }],
                    new CreateTopicsOptions { RequestTimeout = adminTimeout, OperationTimeout = adminTimeout })
                .GetAwaiter().GetResult();
            logger.LogInformation("Created compacted checkpoint topic {Topic}", Topic);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
        {
            // Another instance created it first.
        }
        catch (KafkaException e)
        {
            // librdkafka's mock broker (the embedded default) has no controller and never answers CreateTopics; it
            // creates a topic when one asks for its metadata (as a broker with auto.create.topics.enable does).
            var created = FindTopic(admin, autoCreate: true)
                ?? throw new InvalidOperationException(
                    $"The checkpoint topic '{Topic}' does not exist and could not be created ({e.Message}). Create it with cleanup.policy=compact.", e);
            logger.LogWarning("Could not create checkpoint topic {Topic} with cleanup.policy=compact ({Reason}); the broker auto-created it, " +
                              "compaction not verified (the embedded broker never compacts; a real one should)", Topic, e.Message);
            return created;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (FindTopic(admin) is { } partitions)
            {
                return partitions;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The checkpoint topic '{Topic}' was created but its metadata did not show within {timeout.TotalSeconds:0} s.");
            }
            Thread.Sleep(200);
        }
    }

    private int? FindTopic(IAdminClient admin, bool autoCreate = false)
    {
        // Metadata for every topic never auto-creates; asking for the one topic may (only wanted as the fallback).
        var metadata = autoCreate ? admin.GetMetadata(Topic, timeout) : admin.GetMetadata(timeout);
        var found = metadata.Topics.FirstOrDefault(t => t.Topic == Topic && t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0);
        return found?.Partitions.Count;
    }

    private void VerifyCompacted(IAdminClient admin)
    {
        string? policy;
        try
        {
            var described = admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = Topic }],
                new DescribeConfigsOptions { RequestTimeout = adminTimeout }).GetAwaiter().GetResult();
            policy = described[0].Entries.TryGetValue("cleanup.policy", out var entry) ? entry.Value : null;
        }
        catch (KafkaException e)
        {
            logger.LogInformation("Could not read cleanup.policy of checkpoint topic {Topic} ({Reason}); not verified", Topic, e.Message);
            return;
        }
        if (policy is null || !policy.Contains("compact", StringComparison.Ordinal))
        {
            // Under time/size retention a partition that has been quiet long enough would lose its only checkpoint.
            throw new InvalidOperationException(
                $"The checkpoint topic '{Topic}' exists with cleanup.policy={policy ?? "(unknown)"}; it must be compacted, or old checkpoints expire " +
                $"with retention. Set cleanup.policy=compact on it (kafka-configs --alter --entity-type topics --entity-name {Topic} " +
                "--add-config cleanup.policy=compact) or choose another Scoring:CheckpointTopic.");
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            reader?.Dispose();
            producer?.Dispose();
        }
    }

    private sealed class PendingSet(string baseKey, long generation, int count, int payloadLength, byte[] sha256)
    {
        public string BaseKey { get; } = baseKey;
        public long Generation { get; } = generation;
        public int Count { get; } = count;
        public int PayloadLength { get; } = payloadLength;
        public byte[] Sha256 { get; } = sha256;
        public ReadOnlyMemory<byte>?[] Parts { get; } = new ReadOnlyMemory<byte>?[count];
        public int Received { get; set; }
    }
}
