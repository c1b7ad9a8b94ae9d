using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// One member of the <c>scoring</c> consumer group: consume → validate → dedupe → features → ONNX (micro-batch) →
/// hand the batch to the <see cref="ScoringEmitter"/>, which produces scored/alerts/dead letters. At-least-once with
/// idempotent effects: the producer is idempotent, and the <see cref="CheckpointCoordinator"/> saves each partition's
/// feature state, dedupe window and next offset only once every output before it is acknowledged
/// (<see cref="DeliveryTracker"/>). A restart (or a partition moving to another member) seeks to the checkpoint's
/// offset and restores its state (<see cref="PartitionAssignments"/>), so replayed messages are folded into exactly
/// the state that had not seen them yet.
/// The consume loop runs on one dedicated thread; <see cref="TryCompute"/> (the live API) reads state under the same lock.
/// </summary>
public sealed class ScoringConsumer : IDisposable
{
    private readonly string bootstrapServers;
    private readonly ScoringOptions options;
    private readonly IFeaturePipeline pipeline;
    private readonly IModelSource models;
    private readonly ScoringTelemetry telemetry;
    private readonly ScoringStats stats;
    private readonly ILogger logger;
    private readonly string topic;
    private readonly int featureCount;
    private readonly ConsumerRun run = new();
    private readonly PartitionAssignments partitions;
    private readonly ScoringEmitter emitter;
    private readonly CheckpointCoordinator checkpointing;
    private readonly List<ConsumeResult<byte[], byte[]>> pending = [];
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
        this.telemetry = telemetry;
        this.stats = stats;
        this.logger = logger;
        this.topic = topic;
        featureCount = pipeline.Names.Count;
        var deliveries = new DeliveryTracker();
        partitions = new PartitionAssignments(options, pipeline, checkpoints, telemetry, stats, logger);
        emitter = new ScoringEmitter(options, featureCount, topic, deliveries, run, telemetry, stats, logger);
        checkpointing = new CheckpointCoordinator(options, topic, pipeline.SchemaVersion, partitions, checkpoints, deliveries, emitter, run, stats, logger);
    }

    /// <summary>Partitions this member owns now.</summary>
    public IReadOnlyCollection<int> OwnedPartitions => partitions.Owned;

    /// <summary>Runs the loop on its own thread until cancelled (clean stop: score what is in hand, checkpoint, commit, leave the group).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Stops as a crash would: no scoring of what is in hand, no checkpoint, no commit, no leave-group.</summary>
    public void Kill() => run.Kill();

    /// <inheritdoc cref="PartitionAssignments.TryCompute"/>
    public bool TryCompute(Transaction transaction, Span<float> destination) => partitions.TryCompute(transaction, destination);

    private void Run(CancellationToken cancellationToken)
    {
        stats.ConsumerStatus = "waiting for a champion model";
        while (models.Current is null)
        {
            if (cancellationToken.WaitHandle.WaitOne(200) || run.Killed)
            {
                stats.ConsumerStatus = "stopped";
                return;
            }
        }

        telemetry.SeedModel(models.Current.Version);
        run.Producer = new ProducerBuilder<byte[], byte[]>(ScoringKafkaClients.ProducerConfig(bootstrapServers, options)).Build();
        var consumer = new ConsumerBuilder<byte[], byte[]>(ScoringKafkaClients.ConsumerConfig(bootstrapServers, options))
            .SetPartitionsAssignedHandler(partitions.Assign)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, error) => logger.LogWarning("Kafka consumer error: {Reason}", error.Reason))
            .Build();
        run.Consumer = consumer;
        emitter.Start(checkpointing.OnMarkerEmitted);
        try
        {
            consumer.Subscribe(topic);
            stats.ConsumerStatus = "consuming";
            checkpointing.Start();
            while (!cancellationToken.IsCancellationRequested && !run.Killed)
            {
                FillBatch(consumer, cancellationToken);
                if (run.Killed)
                {
                    break;
                }
                ProcessPending();
                emitter.ThrowIfFailed();
                var now = Stopwatch.GetTimestamp();
                checkpointing.Tick(now);
                if (now >= nextLagUpdateAt)
                {
                    partitions.UpdateLag(consumer, topic);
                    nextLagUpdateAt = now + Stopwatch.Frequency;
                }
            }

            if (!run.Killed)
            {
                ProcessPending();
                checkpointing.Checkpoint(partitions.All);
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
            emitter.Stop();
            run.DisposeClients();
        }
    }

    /// <summary>Takes what is waiting, up to <see cref="ScoringOptions.MaxBatchSize"/>, waiting at most <see cref="ScoringOptions.MaxBatchWaitMs"/> for more.</summary>
    private void FillBatch(IConsumer<byte[], byte[]> consumer, CancellationToken cancellationToken)
    {
        var first = consumer.Consume(100);
        if (first is null || run.Killed || cancellationToken.IsCancellationRequested)
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
    /// Validates, dedupes and featurizes what is in hand against the partition state, runs ONNX on the batch, then hands
    /// it to the emitter. State and offsets only ever change here, in topic order.
    /// </summary>
    private void ProcessPending()
    {
        if (pending.Count == 0)
        {
            return;
        }
        var model = models.Current ?? throw new InvalidOperationException("the champion model went away");
        var batch = emitter.TakeFree();
        batch.Model = model;
        batch.Threshold = options.ThresholdOverride ?? model.Threshold;
        batch.Ensure(pending.Count, featureCount);
        if (telemetry.ActivitySource.HasListeners())
        {
            batch.Messages.AddRange(pending);
        }

        long historyApplied = 0, historySkipped = 0;
        lock (partitions.Gate)
        {
            foreach (var message in pending)
            {
                if (!partitions.TryGet(message.Partition.Value, out var state) || message.Offset.Value < state.NextOffset)
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

        // ONNX here rather than in the emitter: the emitter (reasons, records, produce) was the busier thread.
        if (batch.Count > 0)
        {
            var started = Stopwatch.GetTimestamp();
            model.Predict(batch.Features.AsSpan(0, batch.Count * featureCount), batch.Count, batch.Probabilities.AsSpan(0, batch.Count));
            batch.InferenceMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            telemetry.Inference.Record(batch.InferenceMs);
        }
        emitter.Enqueue(batch);
    }

    private void OnRevoked(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> revoked)
    {
        if (!run.Killed)
        {
            ProcessPending();
            checkpointing.Checkpoint(partitions.Find(revoked));
        }
        partitions.Forget(revoked.Select(tp => tp.Partition.Value));
    }

    private void OnLost(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> lost)
    {
        // Another member owns these now and resumes from the last checkpoint; what we hold is stale.
        var gone = lost.Select(tp => tp.Partition.Value).ToHashSet();
        pending.RemoveAll(m => gone.Contains(m.Partition.Value));
        logger.LogWarning("Partitions lost: {Partitions}", string.Join(",", gone));
        partitions.Forget(gone);
    }

    public void Dispose() => Kill();
}
