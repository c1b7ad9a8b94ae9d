using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.Notifier.Telemetry;

/// <summary>The Notifier's instruments, named as in <see cref="FraudMetrics"/> (the dashboards use these names).</summary>
public sealed class NotifierMetrics
{
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deduplicated;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _tokenRefreshes;
    private readonly Histogram<double> _alertToSent;

    // Seconds: a message to KakaoTalk takes tens of milliseconds to minutes (retries, rate limits).
    private static readonly double[] AlertToSentBucketsSeconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

    public NotifierMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(FraudMetrics.NotifierMeter);
        _sent = meter.CreateCounter<long>(FraudMetrics.NotificationsSent, "{message}", "Messages delivered, by channel.");
        _failed = meter.CreateCounter<long>(FraudMetrics.NotificationsFailed, "{message}", "Failed deliveries, by channel and provider code.");
        _retried = meter.CreateCounter<long>(FraudMetrics.NotificationsRetried, "{request}", "HTTP retries of transient failures.");
        _deduplicated = meter.CreateCounter<long>(FraudMetrics.NotificationsDeduplicated, "{alert}", "Alerts already notified (re-delivery, duplicates).");
        _deadLettered = meter.CreateCounter<long>(FraudMetrics.NotificationsDeadLettered, "{alert}", "Alerts sent to notifications.deadletter.");
        _tokenRefreshes = meter.CreateCounter<long>(FraudMetrics.TokenRefreshes, "{refresh}", "Kakao access-token refreshes, by result.");
        _alertToSent = meter.CreateHistogram(FraudMetrics.AlertToSentLatency, "s", "From alert raised to message delivered.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = AlertToSentBucketsSeconds });
    }

    /// <summary>The delivery series of these channels at 0, and the dead-letter and dedupe counters (the dashboards read them).</summary>
    public void SeedZeros(IEnumerable<string> channels)
    {
        foreach (var channel in channels)
        {
            var tag = new KeyValuePair<string, object?>("channel", channel);
            _sent.Add(0, tag);
            // No provider code yet: the series carries the channel only until a failure brings its code.
            _failed.Add(0, tag);
        }
        _deadLettered.Add(0);
        _deduplicated.Add(0);
    }

    public void Sent(string channel) => _sent.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void Failed(string channel, string code) =>
        _failed.Add(1, new KeyValuePair<string, object?>("channel", channel), new KeyValuePair<string, object?>("code", code));

    public void Retried(string peer) => _retried.Add(1, new KeyValuePair<string, object?>("peer", peer));

    public void Deduplicated() => _deduplicated.Add(1);

    public void DeadLettered(int alerts) => _deadLettered.Add(alerts);

    public void TokenRefreshed(bool succeeded) =>
        _tokenRefreshes.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "refused"));

    public void AlertToSent(double milliseconds, string channel) =>
        _alertToSent.Record(milliseconds / 1000, new KeyValuePair<string, object?>("channel", channel));
}

/// <summary>The Notifier's ActivitySource; a send links to every alert's <c>traceparent</c>.</summary>
public sealed class NotifierActivitySource : IDisposable
{
    public const string Name = FraudMetrics.NotifierMeter;

    public ActivitySource Source { get; } = new(Name);

    public void Dispose() => Source.Dispose();
}
