namespace FraudDetection.Producer.Output;

/// <summary>Where produced transactions go: Kafka or standard output.</summary>
public interface ITransactionSink : IAsyncDisposable
{
    /// <summary>Hands one transaction over (may return before it is acknowledged).</summary>
    void Send(Transaction transaction, string scenario);

    /// <summary>Waits until everything handed over is acknowledged or failed.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Transactions acknowledged (Kafka) or written (stdout).</summary>
    long Acknowledged { get; }

    /// <summary>Transactions that failed to be delivered.</summary>
    long Failed { get; }

    /// <summary>The last delivery error, if any (no card numbers in it).</summary>
    string? LastError { get; }
}
