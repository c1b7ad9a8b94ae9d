using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using FraudDetection.Core.Telemetry;
using FraudDetection.Scoring.Drift;

namespace FraudDetection.Scoring.Telemetry;

/// <summary>Running totals for <c>GET /api/scoring/stats</c> (the metrics carry the same numbers to Prometheus).</summary>
/// <param name="drift">The champion's drift check, fed each emitted batch and shown as the <c>drift</c> section (none: no section).</param>
public sealed class ScoringStats(DriftMonitor? drift = null)
{
    private readonly ConcurrentDictionary<string, long> deadLettersByReason = new();
    private readonly ConcurrentDictionary<string, long> scoredByModel = new();
    private readonly ConcurrentDictionary<int, PartitionProgress> partitions = new();
    private readonly DateTimeOffset startedAt = DateTimeOffset.UtcNow;
    private long scored;
    private long alerts;
    private long duplicates;
    private long batches;
    private long checkpoints;
    private long restarts;
    private double lastInferenceMs;
    private readonly long[] labelled = new long[LabelledOutcome.All.Count];
    private long historyApplied;
    private long historySkipped;

    public string ConsumerStatus { get; set; } = "not started";

    public DriftMonitor? Drift => drift;

    /// <summary>The merchant table and what waits for it (null without merchant features); set by the scoring thread.</summary>
    public MerchantProgress? Merchant { get; set; }

    /// <summary>The verdicts read from <c>fraud.labels</c> (null before the first update); set by the scoring thread.</summary>
    public LabelProgress? Labels { get; set; }
    public DateTimeOffset? LastCheckpointAt { get; private set; }

    public long Scored => Interlocked.Read(ref scored);
    public long Alerts => Interlocked.Read(ref alerts);
    public long Duplicates => Interlocked.Read(ref duplicates);
    public long DeadLetters => deadLettersByReason.Values.Sum();

    public void AddBatch(string modelVersion, int scoredCount, int alertCount, double inferenceMs)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref scored, scoredCount);
        Interlocked.Add(ref alerts, alertCount);
        scoredByModel.AddOrUpdate(modelVersion, scoredCount, (_, n) => n + scoredCount);
        lastInferenceMs = inferenceMs;
    }

    /// <summary>Adds one batch's labelled outcomes (in <see cref="LabelledOutcome.All"/> order).</summary>
    public void AddLabelled(ReadOnlySpan<long> byOutcome)
    {
        for (var i = 0; i < byOutcome.Length; i++)
        {
            Interlocked.Add(ref labelled[i], byOutcome[i]);
        }
    }

    /// <summary>The live figures so far (the counts <c>fraud_scoring_labelled_total</c> exports).</summary>
    public LiveQuality Quality => new(Interlocked.Read(ref labelled[0]), Interlocked.Read(ref labelled[1]),
        Interlocked.Read(ref labelled[2]), Interlocked.Read(ref labelled[3]));

    public long HistoryApplied => Interlocked.Read(ref historyApplied);

    public long HistorySkipped => Interlocked.Read(ref historySkipped);

    public void AddHistory(long applied, long skipped)
    {
        Interlocked.Add(ref historyApplied, applied);
        Interlocked.Add(ref historySkipped, skipped);
    }

    public void AddDeadLetter(string reason) => deadLettersByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);

    public void AddDuplicate() => Interlocked.Increment(ref duplicates);

    public void AddRestart() => Interlocked.Increment(ref restarts);

    public void SetPartition(int partition, long nextOffset, long lag) => partitions[partition] = new PartitionProgress(partition, nextOffset, lag);

    public void RemovePartition(int partition) => partitions.TryRemove(partition, out _);

    public void Checkpointed()
    {
        Interlocked.Increment(ref checkpoints);
        LastCheckpointAt = DateTimeOffset.UtcNow;
    }

    public ScoringStatsSnapshot Snapshot(string modelStatus, string? modelVersion, double? threshold)
    {
        var uptime = DateTimeOffset.UtcNow - startedAt;
        var scoredNow = Scored;
        var alertsNow = Alerts;
        var batchesNow = Interlocked.Read(ref batches);
        return new ScoringStatsSnapshot(
            ConsumerStatus, modelStatus, modelVersion, threshold,
            scoredNow, alertsNow, scoredNow == 0 ? 0 : (double)alertsNow / scoredNow,
            new SortedDictionary<string, long>(deadLettersByReason), Duplicates,
            new SortedDictionary<string, long>(scoredByModel),
            batchesNow, batchesNow == 0 ? 0 : (double)scoredNow / batchesNow, lastInferenceMs,
            Interlocked.Read(ref checkpoints), LastCheckpointAt, Interlocked.Read(ref restarts),
            [.. partitions.Values.OrderBy(p => p.Partition)],
            startedAt, uptime.TotalSeconds,
            Quality, HistoryApplied, HistorySkipped, Merchant, Labels)
        {
            Drift = drift?.Snapshot(),
        };
    }
}

public sealed record PartitionProgress(
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("next_offset")] long NextOffset,
    [property: JsonPropertyName("lag")] long Lag);

public sealed record ScoringStatsSnapshot(
    [property: JsonPropertyName("consumer_status")] string ConsumerStatus,
    [property: JsonPropertyName("model_status")] string ModelStatus,
    [property: JsonPropertyName("model_version")] string? ModelVersion,
    [property: JsonPropertyName("threshold")] double? Threshold,
    [property: JsonPropertyName("scored")] long Scored,
    [property: JsonPropertyName("alerts")] long Alerts,
    [property: JsonPropertyName("alert_rate")] double AlertRate,
    [property: JsonPropertyName("dead_letters_by_reason")] SortedDictionary<string, long> DeadLettersByReason,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("scored_by_model_version")] SortedDictionary<string, long> ScoredByModelVersion,
    [property: JsonPropertyName("batches")] long Batches,
    [property: JsonPropertyName("mean_batch_size")] double MeanBatchSize,
    [property: JsonPropertyName("last_inference_ms")] double LastInferenceMs,
    [property: JsonPropertyName("checkpoints")] long Checkpoints,
    [property: JsonPropertyName("last_checkpoint_at")] DateTimeOffset? LastCheckpointAt,
    [property: JsonPropertyName("consumer_restarts")] long ConsumerRestarts,
    [property: JsonPropertyName("partitions")] IReadOnlyList<PartitionProgress> Partitions,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("uptime_s")] double UptimeSeconds,
    [property: JsonPropertyName("labelled")] LiveQuality Labelled,
    [property: JsonPropertyName("history_applied")] long HistoryApplied,
    [property: JsonPropertyName("history_skipped")] long HistorySkipped,
    [property: JsonPropertyName("merchant")] MerchantProgress? Merchant,
    [property: JsonPropertyName("labels")] LabelProgress? Labels)
{
    /// <summary>The champion's live distributions against its training reference (<see cref="DriftMonitor"/>).</summary>
    [JsonPropertyName("drift")] public DriftSnapshot? Drift { get; init; }
}

/// <summary>Verdicts read from <c>fraud.labels</c>: transactions with one, applied by source, repeats ignored, unreadable.</summary>
public sealed record LabelProgress(
    [property: JsonPropertyName("transactions")] int Transactions,
    [property: JsonPropertyName("applied_by_source")] IReadOnlyDictionary<string, long> AppliedBySource,
    [property: JsonPropertyName("ignored")] long Ignored,
    [property: JsonPropertyName("bad_messages")] long BadMessages);

/// <summary>
/// How far the merchant table is complete, what waits for it, and each card partition's merchant day: when scoring
/// stalls on the table this says which partition holds it back.
/// </summary>
public sealed record MerchantProgress(
    [property: JsonPropertyName("complete_through")] string CompleteThrough,
    [property: JsonPropertyName("newest_open_day")] string NewestOpenDay,
    [property: JsonPropertyName("held")] int Held,
    [property: JsonPropertyName("waits")] long Waits,
    [property: JsonPropertyName("partitions")] IReadOnlyList<MerchantPartitionProgress> Partitions,
    [property: JsonPropertyName("handed_over")] MerchantHandOver HandedOver);

/// <summary>Messages this process's stage member and table took in process, once acknowledged, before their consumers fetched them.</summary>
public sealed record MerchantHandOver(
    [property: JsonPropertyName("partials_messages")] long PartialsMessages,
    [property: JsonPropertyName("table_messages")] long TableMessages);

/// <summary>A card partition's merchant day: open (collecting), closed through (sent), idle (holds nothing back), held back.</summary>
public sealed record MerchantPartitionProgress(
    [property: JsonPropertyName("partition")] int Partition,
    [property: JsonPropertyName("open_day")] string OpenDay,
    [property: JsonPropertyName("closed_through")] string ClosedThrough,
    [property: JsonPropertyName("idle")] bool Idle,
    [property: JsonPropertyName("held")] int Held,
    [property: JsonPropertyName("late_transactions")] long LateTransactions);
