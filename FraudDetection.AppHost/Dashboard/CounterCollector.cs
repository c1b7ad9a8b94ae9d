using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.AppHost.Dashboard;

/// <summary>One headline counter on the page.</summary>
public sealed record CounterReading(string Key, string Label, string Instrument, long Total, double PerSecond);

/// <summary>
/// Totals of the services' counters (every <c>FraudDetection.*</c> meter), read in-process with a MeterListener,
/// and a per-second rate from one-second samples.
/// </summary>
public sealed class CounterCollector : IDisposable
{
    /// <summary>The headline counters, in page order: key, label, instrument (FraudMetrics).</summary>
    public static readonly IReadOnlyList<(string Key, string Label, string Instrument)> Headline =
    [
        ("produced", "produced", FraudMetrics.TransactionsProduced),
        ("scored", "scored", FraudMetrics.TransactionsScored),
        ("alerts", "alerts", FraudMetrics.AlertsRaised),
        ("deadletters", "dead letters", FraudMetrics.DeadLetters),
        ("notifications", "notifications", FraudMetrics.NotificationsSent),
        ("graph_edges", "graph edges", FraudMetrics.GraphEdgesWritten),
    ];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();
    private readonly ConcurrentDictionary<string, double> _rates = new();
    private readonly Dictionary<string, (long Total, DateTimeOffset At)> _lastSample = [];
    private readonly Timer _sampler;

    public CounterCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only counters add up to totals; histograms and gauges are left to /metrics.
            if (instrument.Meter.Name.StartsWith("FraudDetection.", StringComparison.Ordinal)
                && instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, _, _) => Add(i.Name, value));
        _listener.SetMeasurementEventCallback<int>((i, value, _, _) => Add(i.Name, value));
        _listener.SetMeasurementEventCallback<double>((i, value, _, _) => Add(i.Name, (long)value));
        _listener.Start();
        _sampler = new Timer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public long Total(string instrument) => _totals.GetValueOrDefault(instrument);

    /// <summary>The headline counters with their current totals and rates.</summary>
    public IReadOnlyList<CounterReading> Readings() =>
        Headline.Select(h => new CounterReading(h.Key, h.Label, h.Instrument, Total(h.Instrument), _rates.GetValueOrDefault(h.Instrument))).ToList();

    /// <summary>Every FraudDetection counter seen so far, by instrument name.</summary>
    public IReadOnlyDictionary<string, long> All() => new SortedDictionary<string, long>(_totals);

    private void Add(string instrument, long value) => _totals.AddOrUpdate(instrument, value, (_, total) => total + value);

    private void Sample()
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lastSample)
        {
            foreach (var (instrument, total) in _totals)
            {
                if (_lastSample.TryGetValue(instrument, out var last))
                {
                    var seconds = (now - last.At).TotalSeconds;
                    _rates[instrument] = seconds > 0 ? (total - last.Total) / seconds : 0;
                }
                _lastSample[instrument] = (total, now);
            }
        }
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _listener.Dispose();
    }
}
