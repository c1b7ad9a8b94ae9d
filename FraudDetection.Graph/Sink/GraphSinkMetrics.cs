using System.Diagnostics.Metrics;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.Graph.Sink;

/// <summary>The graph sink's instruments (names from <see cref="FraudMetrics"/>).</summary>
public sealed class GraphSinkMetrics
{
    private readonly Counter<long> _edgesWritten;
    private readonly Counter<long> _writeErrors;

    public GraphSinkMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(FraudMetrics.GraphMeter);
        _edgesWritten = meter.CreateCounter<long>(FraudMetrics.GraphEdgesWritten, "{edge}", "TRANSACTION edges merged into the graph");
        _writeErrors = meter.CreateCounter<long>(FraudMetrics.GraphWriteErrors, "{error}", "Failed batch writes (retried) and unreadable messages (skipped)");
    }

    /// <summary>Both series at 0 before the first write (the dashboards read them).</summary>
    public void SeedZeros()
    {
        _edgesWritten.Add(0);
        _writeErrors.Add(0, new KeyValuePair<string, object?>("reason", "store"));
        _writeErrors.Add(0, new KeyValuePair<string, object?>("reason", "unreadable"));
    }

    public void Written(int edges) => _edgesWritten.Add(edges);

    public void WriteFailed() => _writeErrors.Add(1, new KeyValuePair<string, object?>("reason", "store"));

    public void Unreadable() => _writeErrors.Add(1, new KeyValuePair<string, object?>("reason", "unreadable"));
}
