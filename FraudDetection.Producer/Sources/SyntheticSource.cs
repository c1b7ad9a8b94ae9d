using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Producer.Sources;

/// <summary>Endless synthetic traffic (see <see cref="SyntheticTraffic"/>).</summary>
public sealed class SyntheticSource(SyntheticTraffic traffic) : ITransactionSource
{
    public SyntheticTraffic Traffic { get; } = traffic;

    public string Description => $"synth {Traffic.Scenario}";

    public long Skipped => 0;

    public bool TryNext(out Transaction transaction, out string scenario)
    {
        var next = Traffic.Next();
        transaction = next.Transaction;
        scenario = next.Scenario;
        return true;
    }

    public void Dispose()
    {
    }
}
