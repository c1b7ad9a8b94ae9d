using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.Producer.Telemetry;

/// <summary>The Producer's instruments (names from <see cref="FraudMetrics"/>) on a meter named <see cref="FraudMetrics.ProducerMeter"/>.</summary>
public sealed class ProducerMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _produced;
    private readonly Counter<long> _errors;
    private double _targetRate;

    /// <summary>For hosts: the meter comes from the host's factory (one per host, so two hosts never share it).</summary>
    public ProducerMetrics(IMeterFactory meterFactory) : this(meterFactory.Create(FraudMetrics.ProducerMeter), ownsMeter: false)
    {
    }

    /// <summary>For the CLI: a meter of its own.</summary>
    public ProducerMetrics() : this(new Meter(FraudMetrics.ProducerMeter), ownsMeter: true)
    {
    }

    private ProducerMetrics(Meter meter, bool ownsMeter)
    {
        _meter = meter;
        _ownsMeter = ownsMeter;
        _produced = meter.CreateCounter<long>(FraudMetrics.TransactionsProduced, "{transaction}", "Transactions acknowledged by Kafka (or written to stdout)");
        _errors = meter.CreateCounter<long>(FraudMetrics.ProduceErrors, "{error}", "Transactions that could not be produced, and input rows skipped");
        meter.CreateObservableGauge(FraudMetrics.ProducerRate, () => Volatile.Read(ref _targetRate), "{transaction}/s", "Target producer rate (0 when stopped)");
    }

    public void Produced(string scenario, long count = 1) => _produced.Add(count, new KeyValuePair<string, object?>("scenario", scenario));

    /// <summary>The produced series of these scenarios, at 0 (the dashboards read them before the first send).</summary>
    public void SeedZeros(IEnumerable<string> scenarios)
    {
        foreach (var scenario in scenarios)
        {
            Produced(scenario, 0);
        }
    }

    public void Error(string reason, long count = 1) => _errors.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void TargetRate(double rate) => Volatile.Write(ref _targetRate, rate);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}

/// <summary>Traces: one Producer span per transaction sent to Kafka; its context travels in the traceparent header.</summary>
public static class ProducerActivity
{
    public static readonly ActivitySource Source = new(FraudMetrics.ProducerMeter);
}
