namespace FraudDetection.Scoring.Merchants;

/// <summary>Configuration section <c>Scoring:Merchant</c>: the merchant stage and the merchant table Scoring joins.</summary>
public sealed class MerchantOptions
{
    public const string SectionName = "Scoring:Merchant";

    /// <summary>
    /// Run the merchant stage and read the merchant table (merchant features computed). Off: Scoring computes card
    /// features only and refuses a model that uses merchant features.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Consumer group of the merchant stage (reads <c>merchant.partials</c>, scales out by its partitions).</summary>
    public string StageGroup { get; set; } = "merchant-stage";

    /// <summary>A caught-up card partition with no message for this long is idle: it stops holding back the merchant table.</summary>
    public int IdleAfterMs { get; set; } = 1000;

    /// <summary>How often the stage checkpoints its state (after its output is acknowledged).</summary>
    public int StageCheckpointIntervalMs { get; set; } = 1000;

    /// <summary>
    /// How long a fetch of the stage and of the table reader waits at the broker when nothing is there (librdkafka's
    /// <c>fetch.wait.max.ms</c>). This instance's own partials and table messages are handed over in process once
    /// acknowledged, so the wait only delays what other Scoring instances publish, and only on a bare mock cluster,
    /// which waits a fetch out even when data arrives; it also sets how often an idle reader asks.
    /// </summary>
    public int FetchWaitMs { get; set; } = 500;

    /// <summary>Rows held back per partition while they wait for the table before its fetching is paused.</summary>
    public int MaxParkedPerPartition { get; set; } = 20_000;
}
