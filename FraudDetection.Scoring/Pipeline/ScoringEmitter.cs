using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Telemetry;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Merchants;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// The second stage, on a thread of its own: takes the consume loop's scored batches in order through a small bounded
/// queue, computes TreeSHAP reasons for alerts, builds the scored, alert and dead-letter records and produces them.
/// Checkpoint markers pass through the same queue, so a marker is reached only after every batch before it is produced.
/// The queue spins for the next batch only while batches come back to back (<see cref="BatchHandoff{T}"/>).
/// </summary>
internal sealed class ScoringEmitter(
    ScoringOptions options,
    int featureCount,
    string topic,
    DeliveryTracker deliveries,
    ConsumerRun run,
    ScoringTelemetry telemetry,
    ScoringStats stats,
    ILogger logger,
    MerchantTable? merchantTable = null)
{
    private const int MaxLinksPerBatch = 64;
    private const int PooledBatches = 4;

    private readonly BatchHandoff<ScoringBatch> work = new(capacity: 2);
    private readonly BlockingCollection<ScoringBatch> free = [];
    private readonly ScoredJsonWriter scoredJson = new();
    private Action<ScoringBatch> onMarker = _ => { };
    private Thread? thread;
    private long enqueued;
    private long emitted;
    private volatile bool emitting;
    private volatile Exception? error;

    /// <summary>Starts the thread; <paramref name="onCheckpointMarker"/> runs on it at each checkpoint marker.</summary>
    public void Start(Action<ScoringBatch> onCheckpointMarker)
    {
        onMarker = onCheckpointMarker;
        for (var i = 0; i < PooledBatches; i++)
        {
            free.Add(new ScoringBatch());
        }
        thread = new Thread(Loop) { IsBackground = true, Name = "scoring-emitter" };
        thread.Start();
    }

    /// <summary>Lets the thread finish what is queued and waits for it.</summary>
    public void Stop()
    {
        work.CompleteAdding();
        thread?.Join(TimeSpan.FromSeconds(30));
    }

    /// <summary>A pooled batch to fill (waits while all are in flight).</summary>
    public ScoringBatch TakeFree()
    {
        while (true)
        {
            ThrowIfFailed();
            if (free.TryTake(out var batch, 100))
            {
                return batch;
            }
        }
    }

    /// <summary>Nothing queued and nothing being emitted: the thread waits for work (a hint; either answer is safe).</summary>
    public bool IsIdle => !emitting && work.Count == 0;

    public void Enqueue(ScoringBatch batch)
    {
        Interlocked.Increment(ref enqueued);
        while (!work.TryAdd(batch, 100))
        {
            ThrowIfFailed();
        }
    }

    /// <summary>Waits until every batch handed over is emitted.</summary>
    public void Drain()
    {
        while (Interlocked.Read(ref emitted) < Interlocked.Read(ref enqueued) && !run.Killed)
        {
            ThrowIfFailed();
            Thread.Sleep(1);
        }
    }

    public void ThrowIfFailed()
    {
        if (error is { } failure)
        {
            throw new InvalidOperationException("the scoring emitter stopped: " + failure.Message, failure);
        }
    }

    /// <summary>Features ranked by |TreeSHAP contribution|, the strongest <paramref name="top"/> of them.</summary>
    public static IReadOnlyList<FeatureContribution> TopReasons(IScoringModel model, ReadOnlySpan<float> row, int top) =>
        model.Explain(row).Top(row, top);

    /// <summary>
    /// Consumer thread: sends the batch's merchant partials now, not behind the batches queued here: a partition's closed
    /// day may be what every waiting partition needs. Counted like every output, so the batch's checkpoint waits for them.
    /// </summary>
    public void SendMerchantPartials(ScoringBatch batch)
    {
        if (run.Killed)
        {
            return;
        }
        foreach (var (destination, key, value) in batch.MerchantMessages)
        {
            deliveries.Produce(run.Producer!, destination, new Message<byte[], byte[]> { Key = key, Value = value },
                merchantTable is null ? null : report => merchantTable.LocalStage?.Delivered(report.Partition.Value, report.Offset.Value, value));
        }
        batch.MerchantMessages.Clear();
    }

    private void Loop()
    {
        try
        {
            while (work.TryTake(out var batch))
            {
                if (!run.Killed)
                {
                    emitting = true;
                    Emit(batch);
                    emitting = false;
                    if (batch.CheckpointDone is not null)
                    {
                        onMarker(batch);
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
            error = e;
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
        var outputHeaders = TraceHeaders.For(activity);

        foreach (var (message, rejection) in batch.Rejected)
        {
            DeadLetter(message, rejection, outputHeaders);
        }
        if (count == 0)
        {
            return;
        }

        batch.Predict(featureCount, telemetry);
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
            var headers = outputHeaders ?? TraceHeaders.Forward(message.Message.Headers);
            var bytes = scoredJson.Serialize(scored);
            Produce(Topics.Scored, message.Message.Key, bytes, headers);
            if (isAlert)
            {
                alerts++;
                var alert = FraudAlert.From(scored);
                var current = Activity.Current;
                using (var alertActivity = StartAlertActivity(activity, message.Message.Headers, alert))
                {
                    Produce(Topics.Alerts, Encoding.UTF8.GetBytes(alert.CardId), JsonSerializer.SerializeToUtf8Bytes(alert, FraudJsonContext.Default.FraudAlert),
                        TraceHeaders.For(alertActivity) ?? headers);
                }
                Activity.Current = current;
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
        // Drift before the totals: whoever sees these rows counted sees them in the drift window too.
        stats.Drift?.Observe(model.Version, features.AsSpan(0, count * featureCount), featureCount, probabilities.AsSpan(0, count), count, threshold);
        stats.AddBatch(model.Version, count, alerts, inferenceMs);
        activity?.SetTag("fraud.batch_size", count);
        activity?.SetTag("fraud.alerts", alerts);
        activity?.SetTag("fraud.model_version", model.Version);
    }

    private void DeadLetter(ConsumeResult<byte[], byte[]> message, Rejection rejection, Headers? headers)
    {
        var deadLetter = new DeadLetter(rejection.Reason, rejection.Error, topic, message.Partition.Value, message.Offset.Value,
            message.Message.Key, message.Message.Value, DateTimeOffset.UtcNow);
        Produce(Topics.DeadLetter, message.Message.Key, JsonSerializer.SerializeToUtf8Bytes(deadLetter, FraudJsonContext.Default.DeadLetter), headers ?? TraceHeaders.Forward(message.Message.Headers));
        stats.AddDeadLetter(rejection.Reason);
        telemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason", rejection.Reason));
        logger.LogDebug("Dead-lettered {Topic}/{Partition}@{Offset}: {Reason} ({Error})",
            topic, message.Partition.Value, message.Offset.Value, rejection.Reason, rejection.Error);
    }

    private void Produce(string outputTopic, byte[]? key, byte[] value, Headers? headers) =>
        deliveries.Produce(run.Producer!, outputTopic, new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers });

    /// <summary>
    /// The alert's span, recorded whatever the trace ratio (<see cref="TraceSampling.AlwaysTracedTag"/>): in its
    /// transaction's trace when that one is traced, else in the batch's when that one is recorded, else the root of a
    /// trace of its own linked to the transaction's; so the path alert → notification can be opened for every alert.
    /// </summary>
    private Activity? StartAlertActivity(Activity? batch, Headers? transactionHeaders, FraudAlert alert)
    {
        if (!telemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        var transaction = TraceHeaders.Context(transactionHeaders);
        var parent = (transaction.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? transaction
            : batch is { Recorded: true } ? batch.Context
            : default;
        // An explicit parent, or none: not the current span, which is the batch's even when it is not recorded.
        Activity.Current = null;
        var links = new List<ActivityLink>(2);
        if (transaction.TraceId != default && transaction != parent)
        {
            links.Add(new ActivityLink(transaction));
        }
        if (batch is { Recorded: true } && batch.Context != parent)
        {
            links.Add(new ActivityLink(batch.Context));
        }
        var activity = telemetry.ActivitySource.StartActivity("raise alert", ActivityKind.Producer, parent,
            [new(TraceSampling.AlwaysTracedTag, true)], links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", Topics.Alerts);
        activity?.SetTag("fraud.alert_id", alert.AlertId);
        activity?.SetTag("fraud.score", alert.Score);
        return activity;
    }

    private Activity? StartBatchActivity(List<ConsumeResult<byte[], byte[]>> messages)
    {
        if (!telemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        var links = TraceHeaders.Links(messages.Select(m => m.Message.Headers), MaxLinksPerBatch);
        // The batch continues the first message's trace, so that one transaction's path (publish → score → alert →
        // notification) is one trace across the processes; every message's context stays linked.
        var parent = links.Count > 0 ? links[0].Context : default;
        var activity = telemetry.ActivitySource.StartActivity("score transactions", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.source.name", topic);
        activity?.SetTag("messaging.batch.message_count", messages.Count);
        return activity;
    }

}
