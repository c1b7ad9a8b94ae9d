using System.Text.Json;
using System.Threading.Channels;
using CommunityToolkit.HighPerformance.Buffers;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace FraudDetection.Graph.Sink;

/// <summary>
/// Consumes <see cref="Topics.Scored"/> (group <c>graph-sink</c>) into the graph store in batches.
/// A bounded channel sits between the Kafka consumer and the writer: when writes fall behind, the consumer waits
/// instead of dropping. Offsets are stored for commit only after their batch is written, and failed writes are retried
/// until they succeed; MERGE on <c>trans_num</c> makes the resulting re-deliveries harmless.
/// </summary>
public sealed partial class GraphSinkService(
    IGraphStore store,
    IOptions<GraphOptions> options,
    IConfiguration configuration,
    GraphSinkMetrics metrics,
    GraphSinkStatus status,
    ILogger<GraphSinkService> logger) : BackgroundService
{
    private readonly GraphOptions _options = options.Value;

    // Holder, merchant and category strings repeat on every transaction of a card: one copy each keeps the edges
    // waiting in the channel small, and so the garbage collector's work (bounded: it evicts when full).
    private readonly StringPool _repeatedStrings = new(RepeatedStringsPoolSize);

    /// <summary>Strings the sink's reader keeps one copy of (cards × holder fields, merchants, categories, model versions).</summary>
    public const int RepeatedStringsPoolSize = 16_384;

    private readonly record struct Pending(GraphEdge? Edge, int Partition, long Offset);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrapServers = KafkaConnection.BootstrapServers(configuration);
        if (bootstrapServers is null)
        {
            var reason = KafkaConnection.NotConfigured("the graph sink") + " It is not consuming transactions.scored.";
            status.Fatal(reason);
            LogNotStarted(reason);
            return;
        }

        var retry = WriteRetry(stoppingToken);
        await retry.ExecuteAsync(async ct => await store.EnsureSchemaAsync(ct), stoppingToken);

        var channel = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.ChannelCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        IConsumer<Ignore, byte[]> built;
        try
        {
            built = new ConsumerBuilder<Ignore, byte[]>(ConsumerConfig(bootstrapServers, _options))
                .SetErrorHandler((_, error) => LogKafkaError(error.Reason))
                .SetOffsetsCommittedHandler((_, committed) => LogIfCommitFailed(committed))
                .Build();
        }
        catch (Exception ex) when (ex is KafkaException or ArgumentException or InvalidOperationException)
        {
            // A bad Graph:Consumer setting: the sink reports it (health) and the API goes on answering.
            var reason = $"the graph sink's Kafka consumer settings were refused (Graph:Consumer): {ex.Message}";
            status.Fatal(reason);
            LogNotStarted(reason);
            return;
        }
        using var consumer = built;
        consumer.Subscribe(Topics.Scored);
        LogStarted(Topics.Scored, _options.GroupId, store.GetType().Name, _options.BatchSize);

        // Consume blocks, so it gets a thread of its own.
        var consuming = Task.Factory.StartNew(() => Consume(consumer, channel.Writer, stoppingToken),
            stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            await WriteBatchesAsync(consumer, channel.Reader, retry, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await consuming.ContinueWith(_ => { }, TaskScheduler.Default);
            consumer.Close();
        }
    }

    /// <summary>The sink's consumer settings (graph-bench measures Kafka's consume limit with these too).</summary>
    public static ConsumerConfig ConsumerConfig(string bootstrapServers, GraphOptions options)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.GroupId,
            ClientId = "graph-sink",
            // Offsets are stored only once their batch is written; librdkafka commits the stored ones in the
            // background (and on close and on a rebalance), so the writer never waits on the broker's answer.
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = 1_000,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.SessionTimeoutMs,
            // The sink reads only key, value, partition and offset; marshalling the topic, headers and timestamp per message costs.
            ConsumeResultFields = "none",
            // While the writer holds the consumer back, librdkafka's prefetch queue fills and each partition's fetching
            // then pauses for this long (default 1 s) — longer than the queue takes to drain, so the sink stalled.
            FetchQueueBackoffMs = 20,
            // One fetch per broker is outstanding at a time; one holding only caught-up partitions blocked the others
            // for the default 500 ms (a bare mock cluster never cuts that wait short; Kafka and the development broker
            // answer when data arrives). It also sets how often an idle sink asks, so it is not shorter than needed.
            FetchWaitMaxMs = 100,
        }.WithLongPollSlices();
        foreach (var (key, value) in options.Consumer)
        {
            if (ReservedConsumerSettings.Contains(key))
            {
                throw new ArgumentException($"Graph:Consumer:{key} is the sink's own: offsets are stored only after their batch is written (group: Graph:GroupId)");
            }
            config.Set(key, value);
        }
        return config;
    }

    // Settings the sink's at-least-once writing depends on.
    private static readonly HashSet<string> ReservedConsumerSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "group.id", "enable.auto.commit", "enable.auto.offset.store",
    };

    private void Consume(IConsumer<Ignore, byte[]> consumer, ChannelWriter<Pending> writer, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]> result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException ex)
                {
                    LogKafkaError(ex.Error.Reason);
                    continue;
                }
                if (result is null || result.IsPartitionEOF)
                {
                    continue;
                }
                var pending = new Pending(Read(result), result.Partition.Value, result.Offset.Value);
                if (!writer.TryWrite(pending))
                {
                    // Back-pressure: wait for the writer rather than drop.
                    writer.WriteAsync(pending, stoppingToken).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private GraphEdge? Read(ConsumeResult<Ignore, byte[]> result)
    {
        try
        {
            if (result.Message.Value is { Length: > 0 } value && ReadScored(value, _repeatedStrings) is { } edge)
            {
                return edge;
            }
            LogUnreadable(Position(result), "empty message");
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            LogUnreadable(Position(result), ex.Message);
        }
        metrics.Unreadable();
        return null;
    }

    /// <summary>
    /// Reads only what the graph needs from a <see cref="ScoredTransaction"/>'s UTF-8 bytes (the transaction, score,
    /// is_alert, model_version) with the source-generated <see cref="FraudJsonContext"/>; reasons and timings are skipped.
    /// </summary>
    /// <param name="json">The scored transaction's UTF-8 JSON.</param>
    /// <param name="repeatedStrings">When given, strings that repeat across transactions are taken from it (see <see cref="TransactionJson.TryReadFast"/>).</param>
    public static GraphEdge? ReadScored(ReadOnlySpan<byte> json, StringPool? repeatedStrings = null)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("a scored transaction must be a JSON object");
        }
        Transaction? transaction = null;
        double? score = null;
        bool? isAlert = null;
        string? modelVersion = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("transaction"u8))
            {
                Once(transaction is null, "transaction");
                // The hand-written reader first (the serializer cost most of the sink's CPU); the serializer
                // decides anything that reader is unsure about, exactly as in Scoring.
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var value = json[start..(int)reader.BytesConsumed];
                transaction = TransactionJson.TryReadFast(value, repeatedStrings) ?? JsonSerializer.Deserialize(value, FraudJsonContext.Default.Transaction)
                    ?? throw new JsonException("transaction is null");
            }
            else if (name.SequenceEqual("score"u8))
            {
                Once(score is null, "score");
                score = JsonSerializer.Deserialize(ref reader, FraudJsonContext.Default.Double);
            }
            else if (name.SequenceEqual("is_alert"u8))
            {
                Once(isAlert is null, "is_alert");
                isAlert = JsonSerializer.Deserialize(ref reader, FraudJsonContext.Default.Boolean);
            }
            else if (name.SequenceEqual("model_version"u8))
            {
                Once(modelVersion is null, "model_version");
                modelVersion = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw new JsonException("a scored transaction must be one complete JSON object");
        }
        // What Scoring always writes; anything else did not come from Scoring and is not stored.
        if (transaction is null || string.IsNullOrEmpty(transaction.TransNum) || transaction.CcNum <= 0)
        {
            throw new JsonException("a scored transaction needs a transaction with a trans_num and a positive cc_num");
        }
        if (score is not { } s || !double.IsFinite(s) || s < 0 || s > 1)
        {
            throw new JsonException("score must be a number from 0 to 1");
        }
        if (isAlert is null)
        {
            throw new JsonException("is_alert is missing");
        }
        if (string.IsNullOrEmpty(modelVersion) || modelVersion.Length > MaxModelVersionLength)
        {
            throw new JsonException($"model_version must be 1 to {MaxModelVersionLength} characters");
        }
        if (repeatedStrings is not null)
        {
            modelVersion = repeatedStrings.GetOrAdd(modelVersion);
        }
        return GraphEdge.From(transaction, s, modelVersion, isAlert.Value, repeatedStrings);
    }

    private const int MaxModelVersionLength = 128;

    // A field given twice is ambiguous (which one did the sender mean?): the message is refused, not guessed at.
    private static void Once(bool first, string field)
    {
        if (!first)
        {
            throw new JsonException($"{field} is given more than once");
        }
    }

    private async Task WriteBatchesAsync(IConsumer<Ignore, byte[]> consumer, ChannelReader<Pending> reader, ResiliencePipeline retry, CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(_options.BatchSize);
        var edges = new List<GraphEdge>(_options.BatchSize);
        while (await reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            await FillAsync(reader, batch, stoppingToken);
            edges.Clear();
            foreach (var pending in batch)
            {
                if (pending.Edge is { } edge)
                {
                    edges.Add(edge);
                }
            }
            await retry.ExecuteAsync(async ct => await store.WriteAsync(edges, ct), stoppingToken);
            metrics.Written(edges.Count);
            status.Written(edges.Count);
            StoreOffsets(consumer, batch);
        }
    }

    /// <summary>
    /// Takes up to BatchSize messages: at most FlushInterval after the first, and no longer than FlushIdle once the
    /// input goes quiet (the end of a burst is written at once, not after the whole interval).
    /// </summary>
    private async Task FillAsync(ChannelReader<Pending> reader, List<Pending> batch, CancellationToken stoppingToken)
    {
        var deadline = DateTime.UtcNow + _options.FlushInterval;
        while (batch.Count < _options.BatchSize)
        {
            if (reader.TryRead(out var pending))
            {
                batch.Add(pending);
                continue;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return;
            }
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(left < _options.FlushIdle ? left : _options.FlushIdle);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    return; // completed: write what we have
                }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return; // flush interval reached, or nothing came for FlushIdle
            }
        }
    }

    private static string Position(ConsumeResult<Ignore, byte[]> result) =>
        new TopicPartitionOffset(Topics.Scored, result.Partition, result.Offset).ToString();

    private void StoreOffsets(IConsumer<Ignore, byte[]> consumer, List<Pending> batch)
    {
        var next = new Dictionary<int, long>();
        foreach (var pending in batch)
        {
            if (!next.TryGetValue(pending.Partition, out var offset) || pending.Offset + 1 > offset)
            {
                next[pending.Partition] = pending.Offset + 1;
            }
        }
        foreach (var (partition, offset) in next)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(Topics.Scored, partition, offset));
            }
            catch (KafkaException ex)
            {
                // E.g. the partition moved in a rebalance: its new owner re-delivers, and MERGE absorbs it.
                LogCommitFailed(ex.Error.Reason);
            }
        }
    }

    private void LogIfCommitFailed(CommittedOffsets committed)
    {
        if (committed.Error.IsError && committed.Error.Code != ErrorCode.Local_NoOffset)
        {
            LogCommitFailed(committed.Error.Reason);
        }
    }

    private ResiliencePipeline WriteRetry(CancellationToken stoppingToken) => new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryDelay,
            MaxDelay = _options.MaxRetryDelay,
            OnRetry = args =>
            {
                var reason = args.Outcome.Exception?.Message ?? "unknown";
                metrics.WriteFailed();
                status.Retrying(reason);
                LogWriteFailed(args.AttemptNumber + 1, args.RetryDelay, reason);
                return default;
            },
        })
        .Build();

    [LoggerMessage(LogLevel.Error, "Graph sink not started: {Reason}")]
    private partial void LogNotStarted(string reason);

    [LoggerMessage(LogLevel.Information, "Graph sink consuming {Topic} as group {GroupId} into {Store} (batches of {BatchSize})")]
    private partial void LogStarted(string topic, string groupId, string store, int batchSize);

    [LoggerMessage(LogLevel.Warning, "Graph sink Kafka error: {Reason}")]
    private partial void LogKafkaError(string reason);

    [LoggerMessage(LogLevel.Warning, "Graph sink skipped an unreadable scored message at {Position}: {Error}")]
    private partial void LogUnreadable(string position, string error);

    [LoggerMessage(LogLevel.Warning, "Graph write failed (attempt {Attempt}, next in {Delay}): {Reason}")]
    private partial void LogWriteFailed(int attempt, TimeSpan delay, string reason);

    [LoggerMessage(LogLevel.Warning, "Graph sink offset commit failed (messages will be re-delivered and merged again): {Reason}")]
    private partial void LogCommitFailed(string reason);
}
