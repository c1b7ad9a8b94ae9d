using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Telemetry;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// One member of the <c>scoring</c> consumer group: consume → validate → dedupe → features → ONNX (micro-batch)
/// → produce scored/alerts/dead letters. At-least-once with idempotent effects: the producer is idempotent;
/// every checkpoint first waits for all outputs to be acknowledged, then writes each partition's feature state,
/// dedupe window and next offset in one SQLite transaction, then commits the offsets. A restart (or a partition
/// moving to another member) seeks to the checkpoint's offset and restores its state, so replayed messages are
/// folded into exactly the state that had not seen them yet.
/// Runs on one dedicated thread; <see cref="TryCompute"/> (the live API) reads state under the same lock.
/// </summary>
public sealed class ScoringConsumer : IDisposable
{
    private const int MaxLinksPerBatch = 64;

    private readonly string bootstrapServers;
    private readonly ScoringOptions options;
    private readonly IFeaturePipeline pipeline;
    private readonly IModelSource models;
    private readonly ICheckpointStore checkpoints;
    private readonly ScoringTelemetry telemetry;
    private readonly ScoringStats stats;
    private readonly ILogger logger;
    private readonly string topic;
    private readonly int featureCount;
    private readonly Dictionary<int, PartitionState> partitions = [];
    private readonly List<ConsumeResult<byte[], byte[]>> pending = [];
    private readonly Lock stateGate = new();
    // Two delivery epochs, flipped at each background checkpoint, so a checkpoint waits only for its own outputs.
    private readonly Action<DeliveryReport<byte[], byte[]>>[] onDelivered;
    private readonly long[] outstanding = new long[2];
    private int epoch;
    private Task? inFlightCheckpoint;
    private readonly IFeatureState emptyState;
    private readonly ScoredJsonWriter scoredJson = new(); // emitter thread only

    // Stage 1 (consumer thread) hands batches to stage 2 (emitter thread) through a small bounded queue.
    private readonly BlockingCollection<ScoringBatch> work = new(boundedCapacity: 2);
    private readonly BlockingCollection<ScoringBatch> free = [];
    private Thread? emitter;
    private long enqueued;
    private long emitted;
    private volatile Exception? emitterError;
    private IConsumer<byte[], byte[]>? consumer;
    private IProducer<byte[], byte[]>? producer;
    private long deliveryFailures;
    private string? lastDeliveryError;
    private volatile bool killed;
    private volatile bool clientsGone;
    private long nextCheckpointAt;
    private long nextLagUpdateAt;

    public ScoringConsumer(
        string bootstrapServers,
        ScoringOptions options,
        IFeaturePipeline pipeline,
        IModelSource models,
        ICheckpointStore checkpoints,
        ScoringTelemetry telemetry,
        ScoringStats stats,
        ILogger logger,
        string topic = Topics.Transactions)
    {
        this.bootstrapServers = bootstrapServers;
        this.options = options;
        this.pipeline = pipeline;
        this.models = models;
        this.checkpoints = checkpoints;
        this.telemetry = telemetry;
        this.stats = stats;
        this.logger = logger;
        this.topic = topic;
        featureCount = pipeline.Names.Count;
        emptyState = pipeline.Create();
        onDelivered = [report => OnDelivered(report, 0), report => OnDelivered(report, 1)];
    }

    /// <summary>Partitions this member owns now.</summary>
    public IReadOnlyCollection<int> OwnedPartitions
    {
        get
        {
            lock (stateGate)
            {
                return [.. partitions.Keys];
            }
        }
    }

    /// <summary>Runs the loop on its own thread until cancelled (clean stop: score what is in hand, checkpoint, commit, leave the group).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Stops as a crash would: no scoring of what is in hand, no checkpoint, no commit, no leave-group.</summary>
    public void Kill() => killed = true;

    /// <summary>
    /// Features of <paramref name="transaction"/> against the card's current state in this member, read-only.
    /// False when no owned partition knows the card (then the features are those of a card's first transaction).
    /// </summary>
    public bool TryCompute(Transaction transaction, Span<float> destination)
    {
        lock (stateGate)
        {
            foreach (var state in partitions.Values)
            {
                if (state.Features.KnowsCard(transaction))
                {
                    state.Features.Compute(transaction, destination);
                    return true;
                }
            }
            emptyState.Compute(transaction, destination);
            return false;
        }
    }

    private void Run(CancellationToken cancellationToken)
    {
        stats.ConsumerStatus = "waiting for a champion model";
        while (models.Current is null)
        {
            if (cancellationToken.WaitHandle.WaitOne(200) || killed)
            {
                stats.ConsumerStatus = "stopped";
                return;
            }
        }

        telemetry.SeedModel(models.Current.Version);
        producer = new ProducerBuilder<byte[], byte[]>(ProducerConfig(bootstrapServers, options)).Build();
        consumer = new ConsumerBuilder<byte[], byte[]>(ConsumerConfig(bootstrapServers, options))
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, error) => logger.LogWarning("Kafka consumer error: {Reason}", error.Reason))
            .Build();
        for (var i = 0; i < 4; i++)
        {
            free.Add(new ScoringBatch());
        }
        emitter = new Thread(EmitLoop) { IsBackground = true, Name = "scoring-emitter" };
        emitter.Start();
        try
        {
            consumer.Subscribe(topic);
            stats.ConsumerStatus = "consuming";
            nextCheckpointAt = Stopwatch.GetTimestamp() + CheckpointInterval;
            while (!cancellationToken.IsCancellationRequested && !killed)
            {
                FillBatch(cancellationToken);
                if (killed)
                {
                    break;
                }
                ProcessPending();
                ThrowIfEmitterFailed();
                var now = Stopwatch.GetTimestamp();
                if (now >= nextCheckpointAt)
                {
                    CheckpointInBackground();
                    nextCheckpointAt = now + CheckpointInterval;
                }
                if (now >= nextLagUpdateAt)
                {
                    UpdateLag(); // from the client's cached watermarks: no broker round trip
                    nextLagUpdateAt = now + Stopwatch.Frequency;
                }
            }

            if (!killed)
            {
                ProcessPending();
                Checkpoint(partitions.Values);
                consumer.Close();
                stats.ConsumerStatus = "stopped";
            }
            else
            {
                stats.ConsumerStatus = "killed";
            }
        }
        finally
        {
            work.CompleteAdding();
            emitter.Join(TimeSpan.FromSeconds(30));
            DisposeClients();
        }
    }

    private long CheckpointInterval => Stopwatch.Frequency * Math.Max(10, options.CheckpointIntervalMs) / 1000;

    /// <summary>The consumer settings of the scoring path (the bench measures its raw Kafka limit with these too).</summary>
    internal static ConsumerConfig ConsumerConfig(string bootstrapServers, ScoringOptions options)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.ConsumerGroup,
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
            QueuedMinMessages = 200_000,
            // Once the prefetch queue is over its bounds librdkafka pauses each partition's fetching for this long
            // (default 1 s, longer than the queue takes to drain here): the bench's raw Kafka limit read 200k msg/s
            // with it, 360k without.
            FetchQueueBackoffMs = 20,
            // The broker answers a fetch as soon as anything is there, else after this: it bounds the idle wait (p99).
            FetchWaitMaxMs = 1,
            SessionTimeoutMs = 10_000,
            HeartbeatIntervalMs = 1_000,
            // Only what the path reads: the topic name is known (one subscription), and marshalling it per message costs.
            ConsumeResultFields = "headers,timestamp",
        };
        Apply(config, options.Consumer);
        return config;
    }

    /// <summary>The producer settings of the scoring path (the bench measures its raw Kafka limit with these too).</summary>
    internal static ProducerConfig ProducerConfig(string bootstrapServers, ScoringOptions options)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = 2,
            BatchNumMessages = 10_000,
            QueueBufferingMaxMessages = 1_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            DeliveryReportFields = "status",
        };
        Apply(config, options.Producer);
        return config;
    }

    private static void Apply(ClientConfig config, Dictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            config.Set(key, value);
        }
    }

    private void FillBatch(CancellationToken cancellationToken)
    {
        var first = consumer!.Consume(100);
        if (first is null || killed || cancellationToken.IsCancellationRequested)
        {
            if (first is not null)
            {
                pending.Add(first);
            }
            return;
        }
        pending.Add(first);
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * Math.Max(0, options.MaxBatchWaitMs) / 1000;
        var cap = Math.Max(1, options.MaxBatchSize);
        while (pending.Count < cap)
        {
            var next = consumer.Consume(0);
            if (next is null)
            {
                var remainingMs = (int)Math.Ceiling((deadline - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency);
                if (remainingMs <= 0)
                {
                    break;
                }
                next = consumer.Consume(remainingMs);
                if (next is null)
                {
                    break;
                }
            }
            pending.Add(next);
        }
    }

    /// <summary>
    /// Stage 1 (consumer thread): validate, dedupe and featurize what is in hand against the partition state, run ONNX
    /// on the batch, then hand it to stage 2. State and offsets only ever change here, in topic order.
    /// </summary>
    private void ProcessPending()
    {
        if (pending.Count == 0)
        {
            return;
        }
        var model = models.Current ?? throw new InvalidOperationException("the champion model went away");
        var batch = TakeFree();
        batch.Model = model;
        batch.Threshold = options.ThresholdOverride ?? model.Threshold;
        batch.Ensure(pending.Count, featureCount);
        if (telemetry.ActivitySource.HasListeners())
        {
            batch.Messages.AddRange(pending);
        }

        long historyApplied = 0, historySkipped = 0;
        lock (stateGate)
        {
            foreach (var message in pending)
            {
                if (!partitions.TryGetValue(message.Partition.Value, out var state) || message.Offset.Value < state.NextOffset)
                {
                    continue; // lost partition, or already folded into the restored state
                }
                state.NextOffset = message.Offset.Value + 1;
                state.Dirty = true;

                var transaction = TransactionValidator.TryParse(message.Message.Value, out var rejection);
                if (transaction is not null && pipeline.Validate(transaction) is { } featureError)
                {
                    rejection = TransactionValidator.FromFeatureError(featureError);
                    transaction = null;
                }
                if (transaction is null)
                {
                    batch.Rejected.Add((message, rejection));
                    continue;
                }
                if (HistoryMessages.IsHistory(message.Message.Headers))
                {
                    _ = HistoryMessages.TryFold(state.Features, state.Dedupe, transaction) ? historyApplied++ : historySkipped++;
                    continue;
                }
                if (!state.Dedupe.TryAdd(transaction.TransNum))
                {
                    stats.AddDuplicate();
                    telemetry.Duplicates.Add(1);
                    continue;
                }
                state.Features.ComputeAndUpdate(transaction, batch.Features.AsSpan(batch.Count * featureCount, featureCount));
                batch.Rows[batch.Count++] = new ScoredRow(message, transaction);
            }
        }
        pending.Clear();
        if (historyApplied + historySkipped > 0)
        {
            stats.AddHistory(historyApplied, historySkipped);
            telemetry.AddHistory(historyApplied, historySkipped);
        }

        // ONNX here rather than in stage 2: stage 2 (reasons, records, produce) was the busier thread.
        if (batch.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            model.Predict(batch.Features.AsSpan(0, batch.Count * featureCount), batch.Count, batch.Probabilities.AsSpan(0, batch.Count));
            batch.InferenceMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            telemetry.Inference.Record(batch.InferenceMs);
        }
        Enqueue(batch);
    }

    /// <summary>Stage 2 (emitter thread): batches in order — reasons for alerts, build records, produce; checkpoint markers flip the delivery epoch.</summary>
    private void EmitLoop()
    {
        try
        {
            foreach (var batch in work.GetConsumingEnumerable())
            {
                if (!killed)
                {
                    Emit(batch);
                    if (batch.CheckpointDone is { } done)
                    {
                        var closing = epoch;
                        epoch ^= 1;
                        var snapshot = batch.Checkpoint!;
                        _ = Task.Run(async () =>
                        {
                            try
                            {
                                while (Interlocked.Read(ref outstanding[closing]) > 0 && !killed && !clientsGone)
                                {
                                    await Task.Delay(1).ConfigureAwait(false);
                                }
                                if (!killed && !clientsGone)
                                {
                                    Persist(snapshot);
                                }
                                done.SetResult();
                            }
                            catch (Exception e)
                            {
                                done.SetException(e);
                            }
                        });
                    }
                }
                else
                {
                    batch.CheckpointDone?.TrySetCanceled(); // a kill drops what is in the pipeline, markers included
                }
                batch.Reset();
                free.Add(batch);
                Interlocked.Increment(ref emitted);
            }
        }
        catch (Exception e)
        {
            emitterError = e;
        }
    }

    private void Emit(ScoringBatch batch)
    {
        if (batch.Count == 0 && batch.Rejected.Count == 0)
        {
            return;
        }
        var model = batch.Model!;
        var threshold = batch.Threshold;
        var count = batch.Count;
        using var activity = StartBatchActivity(batch.Messages);
        var outputHeaders = activity is null ? null : TraceHeaders(activity);

        foreach (var (message, rejection) in batch.Rejected)
        {
            DeadLetter(message, rejection, outputHeaders);
        }
        if (count == 0)
        {
            return;
        }

        var features = batch.Features;
        var probabilities = batch.Probabilities;
        var inferenceMs = batch.InferenceMs;

        var scoredAt = DateTimeOffset.UtcNow;
        var nowMs = scoredAt.ToUnixTimeMilliseconds();
        var versionTag = new KeyValuePair<string, object?>("model_version", model.Version);
        var alerts = 0;
        Span<long> labelled = stackalloc long[LabelledOutcome.All.Count];
        for (var i = 0; i < count; i++)
        {
            var (message, transaction) = batch.Rows[i];
            double score = probabilities[i];
            var isAlert = score >= threshold;
            var reasons = isAlert || options.ExplainAllScored
                ? TopReasons(model, features.AsSpan(i * featureCount, featureCount), options.TopReasons)
                : [];
            var eventToScoredMs = message.Message.Timestamp.Type == TimestampType.NotAvailable
                ? 0
                : Math.Max(0, nowMs - message.Message.Timestamp.UnixTimestampMs);
            var scored = new ScoredTransaction(transaction, score, threshold, isAlert, model.Version, reasons,
                new ScoringTimings(eventToScoredMs, inferenceMs, count), scoredAt);
            var headers = outputHeaders ?? PassTraceParent(message);
            var bytes = scoredJson.Serialize(scored);
            Produce(Topics.Scored, message.Message.Key, bytes, headers);
            if (isAlert)
            {
                alerts++;
                var alert = FraudAlert.From(scored);
                Produce(Topics.Alerts, Encoding.UTF8.GetBytes(alert.CardId), JsonSerializer.SerializeToUtf8Bytes(alert, FraudJsonContext.Default.FraudAlert), headers);
            }
            telemetry.Score.Record(score, versionTag);
            telemetry.EventToScored.Record(eventToScoredMs);
            if (transaction.IsFraud is int label)
            {
                labelled[LabelledOutcome.IndexOf(label == 1, isAlert)]++;
            }
        }
        telemetry.Scored.Add(count, versionTag);
        telemetry.Alerts.Add(alerts, versionTag);
        telemetry.AddLabelled(labelled);
        stats.AddLabelled(labelled);
        stats.AddBatch(model.Version, count, alerts, inferenceMs);
        activity?.SetTag("fraud.batch_size", count);
        activity?.SetTag("fraud.alerts", alerts);
        activity?.SetTag("fraud.model_version", model.Version);
    }

    private ScoringBatch TakeFree()
    {
        while (true)
        {
            ThrowIfEmitterFailed();
            if (free.TryTake(out var batch, 100))
            {
                return batch;
            }
        }
    }

    private void Enqueue(ScoringBatch batch)
    {
        Interlocked.Increment(ref enqueued);
        while (!work.TryAdd(batch, 100))
        {
            ThrowIfEmitterFailed();
        }
    }

    /// <summary>Waits until stage 2 has emitted every batch handed to it.</summary>
    private void Drain()
    {
        while (Interlocked.Read(ref emitted) < Interlocked.Read(ref enqueued) && !killed)
        {
            ThrowIfEmitterFailed();
            Thread.Sleep(1);
        }
    }

    private void ThrowIfEmitterFailed()
    {
        if (emitterError is { } error)
        {
            throw new InvalidOperationException("the scoring emitter stopped: " + error.Message, error);
        }
    }

    /// <summary>Features ranked by |TreeSHAP contribution|, the strongest <paramref name="top"/> of them.</summary>
    public static IReadOnlyList<FeatureContribution> TopReasons(IScoringModel model, ReadOnlySpan<float> row, int top) =>
        model.Explain(row).Top(row, top);

    private void DeadLetter(ConsumeResult<byte[], byte[]> message, Rejection rejection, Headers? headers)
    {
        var deadLetter = new DeadLetter(rejection.Reason, rejection.Error, topic, message.Partition.Value, message.Offset.Value,
            message.Message.Key, message.Message.Value, DateTimeOffset.UtcNow);
        Produce(Topics.DeadLetter, message.Message.Key, JsonSerializer.SerializeToUtf8Bytes(deadLetter, FraudJsonContext.Default.DeadLetter), headers ?? PassTraceParent(message));
        stats.AddDeadLetter(rejection.Reason);
        telemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        logger.LogDebug("Dead-lettered {Topic}/{Partition}@{Offset}: {Reason} ({Error})",
            topic, message.Partition.Value, message.Offset.Value, rejection.Reason, rejection.Error);
    }

    private void Produce(string outputTopic, byte[]? key, byte[] value, Headers? headers)
    {
        var message = new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers };
        while (true)
        {
            try
            {
                Interlocked.Increment(ref outstanding[epoch]);
                producer!.Produce(outputTopic, message, onDelivered[epoch]);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                Interlocked.Decrement(ref outstanding[epoch]);
                Thread.Sleep(1); // back-pressure: let deliveries drain (the client polls its delivery reports itself)
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                // Refused outright (e.g. too large): counts as unacknowledged, so no checkpoint passes this point.
                Interlocked.Decrement(ref outstanding[epoch]);
                Interlocked.Increment(ref deliveryFailures);
                lastDeliveryError = e.Error.Reason;
                return;
            }
        }
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]> report, int deliveryEpoch)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref deliveryFailures);
            lastDeliveryError = report.Error.Reason;
        }
        Interlocked.Decrement(ref outstanding[deliveryEpoch]);
    }

    /// <summary>
    /// Periodic checkpoint off the scoring thread: the state is snapshotted here (consistent with the offsets), the
    /// outputs of everything in the snapshot are counted in the closing delivery epoch, and a background task waits
    /// for that epoch's acknowledgements before it saves and commits. At most one is in flight.
    /// </summary>
    private void CheckpointInBackground()
    {
        if (killed || producer is null || consumer is null)
        {
            return;
        }
        if (inFlightCheckpoint is { IsCompleted: false })
        {
            return; // the previous one is still waiting for acknowledgements; the next tick takes this one's place
        }
        inFlightCheckpoint?.GetAwaiter().GetResult(); // surfaces a failed delivery: the loop restarts from the last checkpoint
        var marker = TakeFree();
        marker.Checkpoint = Snapshot(partitions.Values);
        marker.CheckpointDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        inFlightCheckpoint = marker.CheckpointDone.Task;
        Enqueue(marker);
    }

    /// <summary>Waits for every output to be acknowledged, then saves state + offsets together, then commits (revoke, stop).</summary>
    private void Checkpoint(IEnumerable<PartitionState> which)
    {
        if (killed || producer is null || consumer is null)
        {
            return;
        }
        Drain();
        if (killed)
        {
            return;
        }
        try
        {
            inFlightCheckpoint?.GetAwaiter().GetResult();
        }
        catch (TaskCanceledException)
        {
            // A marker dropped by a kill; nothing was persisted for it.
        }
        inFlightCheckpoint = null;
        while (producer.Flush(TimeSpan.FromSeconds(1)) > 0)
        {
            if (killed)
            {
                return;
            }
        }
        Persist(Snapshot(which));
        UpdateLag();
    }

    private List<PartitionCheckpoint> Snapshot(IEnumerable<PartitionState> which)
    {
        var saved = new List<PartitionCheckpoint>();
        var now = DateTimeOffset.UtcNow;
        lock (stateGate)
        {
            foreach (var state in which)
            {
                if (!state.Dirty || state.NextOffset < 0)
                {
                    continue;
                }
                using var buffer = new MemoryStream();
                state.Features.Save(buffer);
                saved.Add(new PartitionCheckpoint(options.ConsumerGroup, topic, state.Partition, state.NextOffset,
                    pipeline.SchemaVersion, buffer.ToArray(), state.Dedupe.ToBytes(), now));
                state.Dirty = false;
            }
        }
        return saved;
    }

    private void Persist(List<PartitionCheckpoint> snapshot)
    {
        if (Interlocked.Read(ref deliveryFailures) > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail,
                $"{deliveryFailures} output message(s) were not acknowledged ({lastDeliveryError}); restarting from the last checkpoint"));
        }
        if (snapshot.Count == 0)
        {
            return;
        }
        checkpoints.Save(snapshot);
        try
        {
            consumer?.Commit(snapshot.Select(c => new TopicPartitionOffset(topic, c.Partition, c.NextOffset)));
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException)
        {
            // The checkpoint is what a restart seeks to; the committed offset only feeds lag tooling.
            logger.LogWarning("Offset commit failed after checkpoint: {Reason}", e.Message);
        }
        stats.Checkpointed();
    }

    private void UpdateLag()
    {
        foreach (var state in partitions.Values)
        {
            var watermarks = consumer!.GetWatermarkOffsets(new TopicPartition(topic, state.Partition));
            var lag = watermarks.High == Offset.Unset || state.NextOffset < 0 ? 0 : Math.Max(0, watermarks.High.Value - state.NextOffset);
            telemetry.SetLag(state.Partition, lag);
            stats.SetPartition(state.Partition, state.NextOffset, lag);
        }
    }

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> _, List<TopicPartition> assigned)
    {
        var positions = new List<TopicPartitionOffset>(assigned.Count);
        foreach (var tp in assigned)
        {
            var checkpoint = checkpoints.Load(options.ConsumerGroup, tp.Topic, tp.Partition.Value);
            PartitionState state;
            if (checkpoint is null)
            {
                state = new PartitionState(tp.Partition.Value, pipeline.Create(), new DedupeWindow(options.DedupeWindow), -1);
                positions.Add(new TopicPartitionOffset(tp, Offset.Unset));
                logger.LogInformation("Partition {Partition} assigned: no checkpoint, starting from the committed offset (or the beginning)", tp.Partition.Value);
            }
            else
            {
                IFeatureState features;
                if (checkpoint.SchemaVersion == pipeline.SchemaVersion)
                {
                    using var stream = new MemoryStream(checkpoint.FeatureState, writable: false);
                    features = pipeline.Load(stream);
                }
                else
                {
                    logger.LogWarning("Partition {Partition}: checkpoint has feature schema {Old}, ours is {New}; card state starts empty",
                        tp.Partition.Value, checkpoint.SchemaVersion, pipeline.SchemaVersion);
                    features = pipeline.Create();
                }
                var nextOffset = checkpoint.NextOffset;
                // A checkpoint past the end of the log means the log was recreated (the AppHost's in-memory broker
                // after a restart): keep the card state and dedupe window, read the new log from its start.
                var end = consumer!.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).High;
                if (end != Offset.Unset && nextOffset > end.Value)
                {
                    logger.LogWarning("Partition {Partition}: checkpoint offset {Offset} is past the log end {End} (topic recreated); reading the new log from its start with the saved card state",
                        tp.Partition.Value, nextOffset, end.Value);
                    nextOffset = 0;
                }
                state = new PartitionState(tp.Partition.Value, features, DedupeWindow.FromBytes(checkpoint.DedupeWindow, options.DedupeWindow), nextOffset);
                positions.Add(new TopicPartitionOffset(tp, nextOffset));
                logger.LogInformation("Partition {Partition} assigned: resuming at checkpoint offset {Offset}", tp.Partition.Value, nextOffset);
            }
            lock (stateGate)
            {
                partitions[tp.Partition.Value] = state;
            }
        }
        return positions;
    }

    private void OnRevoked(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> revoked)
    {
        if (!killed)
        {
            ProcessPending();
            Checkpoint(revoked.Select(tp => partitions.GetValueOrDefault(tp.Partition.Value)).OfType<PartitionState>().ToList());
        }
        Forget(revoked.Select(tp => tp.Partition.Value));
    }

    private void OnLost(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> lost)
    {
        // Another member owns these now and resumes from the last checkpoint; what we hold is stale.
        var gone = lost.Select(tp => tp.Partition.Value).ToHashSet();
        pending.RemoveAll(m => gone.Contains(m.Partition.Value));
        logger.LogWarning("Partitions lost: {Partitions}", string.Join(",", gone));
        Forget(gone);
    }

    private void Forget(IEnumerable<int> gone)
    {
        lock (stateGate)
        {
            foreach (var partition in gone)
            {
                partitions.Remove(partition);
                stats.RemovePartition(partition);
                telemetry.ForgetLag(partition);
            }
        }
    }

    private Activity? StartBatchActivity(List<ConsumeResult<byte[], byte[]>> messages)
    {
        if (!telemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        var links = new List<ActivityLink>();
        foreach (var message in messages)
        {
            if (links.Count == MaxLinksPerBatch)
            {
                break;
            }
            if (message.Message.Headers is { } headers
                && headers.TryGetLastBytes(Topics.TraceParentHeader, out var traceParent)
                && ActivityContext.TryParse(Encoding.ASCII.GetString(traceParent), null, out var context))
            {
                links.Add(new ActivityLink(context));
            }
        }
        // The batch continues the first message's trace, so that one transaction's path (publish → score → alert →
        // notification) is one trace across the processes; every message's context stays linked.
        var parent = links.Count > 0 ? links[0].Context : default;
        var activity = telemetry.ActivitySource.StartActivity("score transactions", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.source.name", topic);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        return activity;
    }

    private static Headers TraceHeaders(Activity activity) =>
        [new Header(Topics.TraceParentHeader, Encoding.ASCII.GetBytes(activity.Id!))];

    private static Headers? PassTraceParent(ConsumeResult<byte[], byte[]> message) =>
        message.Message.Headers is { } headers && headers.TryGetLastBytes(Topics.TraceParentHeader, out var traceParent)
            ? [new Header(Topics.TraceParentHeader, traceParent)]
            : null;

    private void DisposeClients()
    {
        clientsGone = true;
        try
        {
            consumer?.Dispose();
        }
        finally
        {
            producer?.Dispose();
            consumer = null;
            producer = null;
        }
    }

    public void Dispose()
    {
        Kill();
    }

    private readonly record struct ScoredRow(ConsumeResult<byte[], byte[]> Message, Transaction Transaction);

    /// <summary>One micro-batch between the stages (pooled), or a checkpoint marker when <see cref="CheckpointDone"/> is set.</summary>
    private sealed class ScoringBatch
    {
        public ScoredRow[] Rows = [];
        public float[] Features = [];
        public float[] Probabilities = [];
        public int Count;
        public IScoringModel? Model;
        public double Threshold;
        public double InferenceMs;
        public List<PartitionCheckpoint>? Checkpoint;
        public TaskCompletionSource? CheckpointDone;
        public readonly List<(ConsumeResult<byte[], byte[]> Message, Rejection Rejection)> Rejected = [];
        public readonly List<ConsumeResult<byte[], byte[]>> Messages = [];

        public void Ensure(int rows, int featureCount)
        {
            if (Rows.Length < rows)
            {
                Rows = new ScoredRow[rows];
                Probabilities = new float[rows];
                Features = new float[rows * featureCount];
            }
        }

        public void Reset()
        {
            Array.Clear(Rows, 0, Count);
            Count = 0;
            Model = null;
            Checkpoint = null;
            CheckpointDone = null;
            Rejected.Clear();
            Messages.Clear();
        }
    }
}
