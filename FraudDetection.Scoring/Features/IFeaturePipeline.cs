using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Merchants;

namespace FraudDetection.Scoring.Features;

/// <summary>The online feature pipeline as Scoring sees it: a schema and per-partition state.</summary>
public interface IFeaturePipeline
{
    string SchemaVersion { get; }

    /// <summary>The columns of a feature row: every feature (<see cref="FeatureSchema.Current"/>).</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The features this pipeline computes (the others are -1): a model needing another one is refused.</summary>
    FeatureSelection Computes { get; }

    /// <summary>The merchant table the states read (null: no merchant features).</summary>
    MerchantTable? MerchantTable { get; }

    /// <summary>The verdicts learned after scoring that the card states count (null: only the transactions' own labels).</summary>
    Labels.LabelTable? Labels => null;

    IFeatureState Create();

    /// <summary>Restores state written by <see cref="IFeatureState.Save"/>.</summary>
    IFeatureState Load(Stream stream);

    /// <summary>Why the pipeline cannot featurize <paramref name="transaction"/>, or null when it can.</summary>
    string? Validate(Transaction transaction);
}

/// <summary>Per-card online state of one partition. Not thread-safe: one writer, readers take the owner's lock.</summary>
public interface IFeatureState
{
    /// <summary>Features of <paramref name="transaction"/> from what came strictly before, then folds it in.</summary>
    void ComputeAndUpdate(Transaction transaction, Span<float> features);

    /// <summary>Features from what came strictly before; no state change.</summary>
    void Compute(Transaction transaction, Span<float> features);

    /// <summary>Folds in a history row without computing its features (what a backtest's <c>--history</c> does).</summary>
    void Update(Transaction transaction);

    /// <summary>The newest event time folded in so far (null while empty).</summary>
    DateTime? Clock { get; }

    /// <summary>Whether this state holds history for the transaction's card.</summary>
    bool KnowsCard(Transaction transaction);

    /// <summary>This partition's daily merchant totals (null without merchant features).</summary>
    MerchantPartials? MerchantPartials { get; }

    /// <summary>
    /// <see cref="ComputeAndUpdate"/> but for the merchant features, for a transaction that waits for the merchant table
    /// (the state folds it in now, its merchant totals included); <see cref="ComputeMerchant"/> completes the row later.
    /// </summary>
    void ComputeAllButMerchantAndUpdate(Transaction transaction, Span<float> features);

    /// <summary>The merchant features of a row from <see cref="ComputeAllButMerchantAndUpdate"/>, once the table covers its day.</summary>
    void ComputeMerchant(Transaction transaction, Span<float> features);

    /// <summary>The whole state as a checkpoint (what <see cref="IFeaturePipeline.Load"/> reads back).</summary>
    byte[] ToCheckpointBytes();
}
