using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Merchants;
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
/// With merchant features (the pipeline joins a <see cref="MerchantTable"/>) a <see cref="MerchantLink"/> sends each
/// partition's closed days to the merchant stage and holds a transaction's row back, featurized but for its merchant
/// features, while the table does not cover its day.
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
    private readonly MerchantLink? merchants; // null without merchant features
    private long nextLagUpdateAt;
    private long nextIdleCheckAt;
    private long historyApplied, historySkipped; // history rows folded in / skipped by the batch being built
    private int releasedThrough = int.MinValue; // the merchant table's complete day when held rows were last tried
    private bool releaseCut;                    // the last release stopped at its budget: more may be ready
    private (FeatureSchema Schema, bool Needs) tableNeed; // per champion: whether it reads the merchant table

    public ScoringConsumer(
        string bootstrapServers,
        ScoringOptions options,
        IFeaturePipeline pipeline,
        IModelSource models,
        ICheckpointStore checkpoints,
        ScoringTelemetry telemetry,
        ScoringStats stats,
        ILogger logger,
        string topic = Topics.Transactions,
        MerchantOptions? merchantOptions = null)
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
        emitter = new ScoringEmitter(options, featureCount, topic, deliveries, run, telemetry, stats, logger, pipeline.MerchantTable);
        merchants = pipeline.MerchantTable is { } table ? new MerchantLink(table, merchantOptions ?? new MerchantOptions()) : null;
        checkpointing = new CheckpointCoordinator(options, topic, pipeline.SchemaVersion, partitions, checkpoints, deliveries, emitter, run, stats, logger,
            pipeline.MerchantTable, merchants is null ? null : merchants.IsParked);
    }

    /// <summary>Partitions this member owns now.</summary>
    public IReadOnlyCollection<int> OwnedPartitions => partitions.Owned;

    /// <summary>Runs the loop on its own thread until cancelled (clean stop: score what is in hand, checkpoint, commit, leave the group).</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Stops as a crash would: no scoring of what is in hand, no checkpoint, no commit, no leave-group.</summary>
    public void Kill() => run.Kill();

    /// <inheritdoc cref="PartitionAssignments.TryCompute"/>
    public bool TryCompute(Transaction transaction, Span<float> destination)
    {
        if (merchants is not null || pipeline.Labels is not null)
        {
            lock (partitions.Gate)
            {
                merchants?.Table.ApplyPending();
                pipeline.Labels?.ApplyPending();
            }
        }
        return partitions.TryCompute(transaction, destination);
    }

    /// <summary>Transactions whose row was held for the merchant table (0 without the merchant stage).</summary>
    public long MerchantWaits => merchants?.Waits ?? 0;

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

        if (pipeline.Labels is { } labels && !labels.CaughtUp)
        {
            stats.ConsumerStatus = "reading fraud.labels";
            while (!labels.CaughtUp)
            {
                if (cancellationToken.WaitHandle.WaitOne(100) || run.Killed)
                {
                    stats.ConsumerStatus = "stopped";
                    return;
                }
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
            merchants?.EnsureTopology(consumer, topic);
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
                    DeclareIdlePartitions(consumer);
                    ReportLabels();
                    nextLagUpdateAt = now + Stopwatch.Frequency;
                    nextIdleCheckAt = now + Stopwatch.Frequency / 10;
                }
                else if (merchants is { ParkedCount: > 0 } && now >= nextIdleCheckAt)
                {
                    // Rows wait for the table: a quiet partition that holds it back is declared idle within 100 ms of
                    // Scoring:Merchant:IdleAfterMs, not up to a second later.
                    DeclareIdlePartitions(consumer);
                    nextIdleCheckAt = now + Stopwatch.Frequency / 10;
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
        // While messages wait for the merchant table, come back soon to see whether it has caught up; otherwise an idle
        // loop wakes only for its once-a-second duties (a message ends the wait at once).
        var first = consumer.Consume(merchants is { ParkedCount: > 0 } ? 2 : KafkaClientPolling.SliceUntil(nextLagUpdateAt));
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
        var held = merchants?.ParkedCount ?? 0;
        if (pending.Count == 0 && !HasMerchantWork(held))
        {
            return;
        }
        var model = models.Current ?? throw new InvalidOperationException("the champion model went away");
        var batch = emitter.TakeFree();
        batch.Model = model;
        batch.Threshold = options.ThresholdOverride ?? model.Threshold;
        var releaseBudget = Math.Max(1, options.MaxBatchSize);
        batch.Ensure(pending.Count + Math.Min(held, releaseBudget), featureCount);
        if (telemetry.ActivitySource.HasListeners())
        {
            batch.Messages.AddRange(pending);
        }

        historyApplied = historySkipped = 0;
        var consumer = run.Consumer;
        lock (partitions.Gate)
        {
            // Verdicts learned since the last batch count for the transactions in this one.
            pipeline.Labels?.ApplyPending();
            // Merchant features: what the merchant table has received, then the messages held back until it covers them.
            var needsTable = false;
            if (merchants is not null)
            {
                merchants.Table.ApplyPending();
                if (!ReferenceEquals(tableNeed.Schema, model.Schema))
                {
                    tableNeed = (model.Schema, MerchantLink.Needs(model.Schema));
                }
                needsTable = tableNeed.Needs;
                if (held > 0)
                {
                    releasedThrough = merchants.Table.History.CompleteThrough;
                    // A batch's worth at most: a batch of the whole backlog would size its buffers for all of it and leave
                    // the emitter idle while it is scored.
                    releaseCut = merchants.Release(consumer, parked => Complete(parked, batch, needsTable), releaseBudget);
                }
            }
            foreach (var message in pending)
            {
                Admit(message, batch, needsTable);
            }
            merchants?.Collect(partitions.All, batch.MerchantMessages);
        }
        pending.Clear();
        emitter.SendMerchantPartials(batch);
        if (historyApplied + historySkipped > 0)
        {
            stats.AddHistory(historyApplied, historySkipped);
            telemetry.AddHistory(historyApplied, historySkipped);
        }

        // ONNX on whichever thread has room: here while the emitter (reasons, records, produce) is busy, as it is at full
        // speed on card features; by the emitter when it waits for work, as it does while this thread also carries the
        // merchant features (partials, held rows, their release).
        if (!emitter.IsIdle)
        {
            batch.Predict(featureCount, telemetry);
        }
        emitter.Enqueue(batch);
    }

    /// <summary>
    /// Validates, dedupes and featurizes one message into <paramref name="batch"/> (a history row is folded into the
    /// state instead). A transaction whose merchant features the table cannot give yet is featurized and folded in all
    /// the same, its row held back until <see cref="Complete"/>: the partition's state and offset move in topic order.
    /// </summary>
    private void Admit(ConsumeResult<byte[], byte[]> message, ScoringBatch batch, bool needsTable)
    {
        if (!partitions.TryGet(message.Partition.Value, out var state) || message.Offset.Value < state.NextOffset)
        {
            return; // lost partition, or already folded into the state (restored, or fetched again after a pause)
        }
        var transaction = TransactionValidator.TryParse(message.Message.Value, out var rejection, state.Features.Clock);
        if (transaction is not null && pipeline.Validate(transaction) is { } featureError)
        {
            rejection = TransactionValidator.FromFeatureError(featureError);
            transaction = null;
        }
        state.NextOffset = message.Offset.Value + 1;
        state.Dirty = true;
        checkpointing.Consumed(1);
        state.LastMessageAt = Stopwatch.GetTimestamp();

        if (transaction is null)
        {
            batch.Rejected.Add((message, rejection));
            return;
        }
        if (HistoryMessages.IsHistory(message.Message.Headers))
        {
            _ = HistoryMessages.TryFold(state.Features, state.Dedupe, transaction) ? historyApplied++ : historySkipped++;
            return;
        }
        if (!state.Dedupe.TryAdd(transaction.TransNum))
        {
            stats.AddDuplicate();
            telemetry.Duplicates.Add(1);
            return;
        }
        if (merchants is not null && merchants.MustWait(state.Partition, transaction, needsTable))
        {
            var row = merchants.RentRow(featureCount);
            state.Features.ComputeAllButMerchantAndUpdate(transaction, row);
            merchants.Park(run.Consumer, message, transaction, row);
            return;
        }
        state.Features.ComputeAndUpdate(transaction, batch.Features.AsSpan(batch.Count * featureCount, featureCount));
        batch.Rows[batch.Count++] = new ScoredRow(message, transaction);
    }

    /// <summary>
    /// A held row into <paramref name="batch"/> with its merchant features, once the table covers its day; false (left
    /// held) while it does not.
    /// </summary>
    private bool Complete(MerchantLink.Parked parked, ScoringBatch batch, bool needsTable)
    {
        if (needsTable && !merchants!.Table.Covers(MerchantDays.Of(parked.Transaction.TransDateTransTime)))
        {
            return false;
        }
        if (!partitions.TryGet(parked.Message.Partition.Value, out var state))
        {
            return true; // lost partition: its next owner scores it from the last checkpoint
        }
        var row = batch.Features.AsSpan(batch.Count * featureCount, featureCount);
        parked.Row.CopyTo(row);
        state.Features.ComputeMerchant(parked.Transaction, row);
        batch.Rows[batch.Count++] = new ScoredRow(parked.Message, parked.Transaction);
        return true;
    }

    /// <summary>
    /// With nothing new consumed: whether a batch has anything to do — held messages the table may now cover (it has
    /// completed a day since they were last tried) or merchant news to send. Keeps the loop from spinning while the
    /// table catches up.
    /// </summary>
    private bool HasMerchantWork(int held)
    {
        if (merchants is null)
        {
            return false;
        }
        lock (partitions.Gate)
        {
            merchants.Table.ApplyPending();
            if (held > 0 && (releaseCut || merchants.Table.History.CompleteThrough != releasedThrough))
            {
                return true;
            }
        }
        return MerchantNews();
    }

    /// <summary>Whether a partition has merchant news to send (a day closed by an idle declaration, say).</summary>
    private bool MerchantNews()
    {
        if (merchants is null)
        {
            return false;
        }
        lock (partitions.Gate)
        {
            return partitions.All.Any(p => p.Features.MerchantPartials is { HasNews: true });
        }
    }

    /// <summary>Caught-up, quiet partitions stop holding the merchant table back (their news goes out with the next batch).</summary>
    private void DeclareIdlePartitions(IConsumer<byte[], byte[]> consumer)
    {
        if (merchants is null)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        lock (partitions.Gate)
        {
            merchants.DeclareIdle(partitions.All.Select(state =>
            {
                var watermarks = consumer.GetWatermarkOffsets(new TopicPartition(topic, state.Partition));
                var lag = watermarks.High == Offset.Unset ? 0 : Math.Max(0, watermarks.High.Value - Math.Max(0, state.NextOffset));
                return (state, lag, (long)Stopwatch.GetElapsedTime(state.LastMessageAt, now).TotalMilliseconds);
            }), now);
            stats.Merchant = merchants.Progress(partitions.All);
        }
        if (MerchantNews())
        {
            ProcessPending();
        }
    }

    private void ReportLabels()
    {
        if (pipeline.Labels is not { } labels)
        {
            return;
        }
        lock (partitions.Gate)
        {
            labels.ApplyPending();
            stats.Labels = new LabelProgress(labels.Events.Count, labels.AppliedBySource, labels.Events.Ignored, labels.BadMessages);
        }
    }

    private void OnRevoked(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> revoked)
    {
        if (!run.Killed)
        {
            ProcessPending();
            checkpointing.Checkpoint(partitions.Find(revoked));
        }
        var gone = revoked.Select(tp => tp.Partition.Value).ToList();
        merchants?.Forget(gone);
        partitions.Forget(gone);
    }

    private void OnLost(IConsumer<byte[], byte[]> _, List<TopicPartitionOffset> lost)
    {
        // Another member owns these now and resumes from the last checkpoint; what we hold is stale.
        var gone = lost.Select(tp => tp.Partition.Value).ToHashSet();
        pending.RemoveAll(m => gone.Contains(m.Partition.Value));
        logger.LogWarning("Partitions lost: {Partitions}", string.Join(",", gone));
        merchants?.Forget(gone);
        partitions.Forget(gone);
    }

    public void Dispose() => Kill();
}
