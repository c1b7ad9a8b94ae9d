namespace FraudDetection.Producer.Sources;

/// <summary>A stream of transactions to produce, in order.</summary>
public interface ITransactionSource : IDisposable
{
    /// <summary>What this source is, for progress and the status API.</summary>
    string Description { get; }

    /// <summary>The next transaction and the scenario label for metrics; false when the source is exhausted.</summary>
    bool TryNext(out Transaction transaction, out string scenario);

    /// <summary>Input rows that were skipped (reported through the source's error callback).</summary>
    long Skipped { get; }

    /// <summary>The layout the transactions came from (null: the Kaggle layout); sinks leave out the fields it lacks.</summary>
    ColumnMapping? Mapping => null;
}
