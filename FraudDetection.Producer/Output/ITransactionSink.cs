namespace FraudDetection.Producer.Output;

/// <summary>Where produced transactions go: Kafka or standard output.</summary>
public interface ITransactionSink : IAsyncDisposable
{
    /// <summary>
    /// Hands one transaction over (may return before it is acknowledged), as the Kaggle JSON contract; the fields
    /// <paramref name="mapping"/> lacks stay absent (null: the Kaggle layout, every field).
    /// </summary>
    void Send(Transaction transaction, string scenario, ColumnMapping? mapping = null);

    /// <summary>Waits until everything handed over is acknowledged or failed.</summary>
    Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>Transactions acknowledged (Kafka) or written (stdout).</summary>
    long Acknowledged { get; }

    /// <summary>Transactions that failed to be delivered.</summary>
    long Failed { get; }

    /// <summary>The last delivery error, if any (no card numbers in it).</summary>
    string? LastError { get; }
}
