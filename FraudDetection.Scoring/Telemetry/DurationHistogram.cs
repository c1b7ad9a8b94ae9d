using System.Diagnostics.Metrics;

namespace FraudDetection.Scoring.Telemetry;

/// <summary>A duration histogram in seconds (the metric's unit) that the scoring path feeds in milliseconds, as it measures them.</summary>
public sealed class DurationHistogram(Histogram<double> seconds)
{
    /// <summary>The instrument itself (values in seconds), for listeners.</summary>
    public Histogram<double> Instrument => seconds;

    public void Record(double milliseconds) => seconds.Record(milliseconds / 1000);
}
