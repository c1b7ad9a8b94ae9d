using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.Scoring.Telemetry;

/// <summary>Scoring's meter (<see cref="FraudMetrics.ScoringMeter"/>) and ActivitySource, instrument names from FraudMetrics.</summary>
public sealed class ScoringTelemetry : IDisposable
{
    public const string ActivitySourceName = "FraudDetection.Scoring";

    private static readonly double[] ScoreBuckets = [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1];
    // Seconds, the base unit OpenTelemetry and Prometheus name durations in: 0.25 ms to 5 s.
    private static readonly double[] LatencyBucketsSeconds =
        [0.00025, 0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

    private readonly Meter meter;
    private readonly ConcurrentDictionary<int, long> lagByPartition = new();

    public ScoringTelemetry(IMeterFactory? meterFactory = null)
    {
        meter = meterFactory?.Create(FraudMetrics.ScoringMeter) ?? new Meter(FraudMetrics.ScoringMeter);
        ActivitySource = new ActivitySource(ActivitySourceName);
        Scored = meter.CreateCounter<long>(FraudMetrics.TransactionsScored, "{transaction}", "Transactions scored, by model_version");
        Alerts = meter.CreateCounter<long>(FraudMetrics.AlertsRaised, "{alert}", "Alerts raised (score >= threshold), by model_version");
        DeadLetters = meter.CreateCounter<long>(FraudMetrics.DeadLetters, "{message}", "Input sent to the dead-letter topic, by reason");
        Duplicates = meter.CreateCounter<long>(FraudMetrics.Duplicates, "{message}", "Transactions dropped as duplicates (trans_num already seen)");
        Score = meter.CreateHistogram(FraudMetrics.Score, unit: null, description: "Fraud score (0..1), by model_version",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = ScoreBuckets });
        EventToScored = new DurationHistogram(meter.CreateHistogram(FraudMetrics.EventToScoredLatency, "s",
            "From the event's Kafka timestamp to its scored record being produced",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds }));
        Inference = new DurationHistogram(meter.CreateHistogram(FraudMetrics.InferenceLatency, "s", "ONNX inference time per batch",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsSeconds }));
        meter.CreateObservableGauge(FraudMetrics.ConsumerLag, ObserveLag, "{message}", "Messages behind the partition's high watermark");
        Labelled = meter.CreateCounter<long>(FraudMetrics.Labelled, "{transaction}",
            "Scored transactions that carried is_fraud, by outcome: tp caught, fp false alert, fn missed, tn (live precision and recall)");
        History = meter.CreateCounter<long>(FraudMetrics.HistoryRows, "{transaction}",
            "History messages folded into the card state (applied) or older than it (skipped); never scored");
    }

    public ActivitySource ActivitySource { get; }
    public Counter<long> Scored { get; }
    public Counter<long> Alerts { get; }
    public Counter<long> DeadLetters { get; }
    public Counter<long> Duplicates { get; }
    public Histogram<double> Score { get; }
    public DurationHistogram EventToScored { get; }
    public DurationHistogram Inference { get; }
    public Counter<long> Labelled { get; }
    public Counter<long> History { get; }

    /// <summary>Adds one batch's labelled outcomes (in <see cref="LabelledOutcome.All"/> order).</summary>
    public void AddLabelled(ReadOnlySpan<long> byOutcome)
    {
        for (var i = 0; i < byOutcome.Length; i++)
        {
            if (byOutcome[i] > 0)
            {
                Labelled.Add(byOutcome[i], new KeyValuePair<string, object?>("outcome", LabelledOutcome.All[i]));
            }
        }
    }

    public void AddHistory(long applied, long skipped)
    {
        History.Add(applied, new KeyValuePair<string, object?>("outcome", "applied"));
        History.Add(skipped, new KeyValuePair<string, object?>("outcome", "skipped"));
    }

    /// <summary>The series the dashboards read, at 0 before anything happened (every dead-letter reason, every outcome).</summary>
    public void SeedZeros()
    {
        foreach (var reason in DeadLetterReasons.All)
        {
            DeadLetters.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
        foreach (var outcome in LabelledOutcome.All)
        {
            Labelled.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        }
        Duplicates.Add(0);
        AddHistory(0, 0);
    }

    /// <summary>The scored and alert series of a model version, at 0 from the moment it serves.</summary>
    public void SeedModel(string modelVersion)
    {
        var version = new KeyValuePair<string, object?>("model_version", modelVersion);
        Scored.Add(0, version);
        Alerts.Add(0, version);
    }

    public void SetLag(int partition, long lag) => lagByPartition[partition] = lag;

    public void ForgetLag(int partition) => lagByPartition.TryRemove(partition, out _);

    private IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var (partition, lag) in lagByPartition)
        {
            yield return new Measurement<long>(lag, new KeyValuePair<string, object?>("partition", partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public void Dispose()
    {
        ActivitySource.Dispose();
        meter.Dispose();
    }
}
