namespace FraudDetection.Scoring.Options;

/// <summary>Configuration section <c>Scoring</c>.</summary>
public sealed class ScoringOptions
{
    public const string SectionName = "Scoring";

    /// <summary>Consumer group id.</summary>
    public string ConsumerGroup { get; set; } = "scoring";

    /// <summary>Most messages taken from the topic for one ONNX call (those held for the merchant table join them once it covers them).</summary>
    public int MaxBatchSize { get; set; } = 1024;

    /// <summary>Longest wait for a batch to fill once its first message is in; 0 = take only what is already waiting.</summary>
    public int MaxBatchWaitMs { get; set; } = 2;

    /// <summary>Alert when score ≥ this; null = the model's own threshold.</summary>
    public double? ThresholdOverride { get; set; }

    /// <summary>How often per-partition feature state + offsets are checkpointed (and offsets committed). Longer: less
    /// background work competing with scoring (each one writes every changed partition's whole state); shorter: less
    /// to replay after a crash (replays are deduplicated and idempotent downstream, so only time is lost).</summary>
    public int CheckpointIntervalMs { get; set; } = 5000;

    /// <summary>Messages consumed since the last checkpoint before a periodic one is taken at <see cref="CheckpointIntervalMs"/>;
    /// under it the next waits up to <see cref="CheckpointMaxIntervalMs"/>. What a crash replays stays bounded by this
    /// count or that time, while a slow stream does not rewrite the whole feature state every few seconds.</summary>
    public int CheckpointMinMessages { get; set; } = 10_000;

    /// <summary>Longest time between periodic checkpoints while anything was consumed, however few messages.</summary>
    public int CheckpointMaxIntervalMs { get; set; } = 60_000;

    /// <summary>How many recent trans_num per partition are remembered to drop duplicates (persisted with the checkpoint).</summary>
    public int DedupeWindow { get; set; } = 50_000;

    /// <summary>How often the registry is asked for a new champion.</summary>
    public int ModelPollIntervalMs { get; set; } = 5000;

    /// <summary>ONNX Runtime intra-op threads per model (1 = inference on the scoring thread only).</summary>
    public int InferenceThreads { get; set; } = 1;

    /// <summary>How many top TreeSHAP reasons go on alerts (and on /api/score).</summary>
    public int TopReasons { get; set; } = 5;

    /// <summary>Compute TreeSHAP reasons for every scored record, not only alerts (costs throughput).</summary>
    public bool ExplainAllScored { get; set; }

    /// <summary>Longest wait of <c>POST /api/score?update_state=true</c> for Kafka to acknowledge the appended transaction.</summary>
    public int ScoreUpdateTimeoutMs { get; set; } = 5000;

    /// <summary>Where checkpoints live: <c>sqlite</c> (default: a file) or <c>kafka</c> (a compacted topic).</summary>
    public string CheckpointStore { get; set; } = CheckpointStores.Sqlite;

    /// <summary>SQLite checkpoint file; default <c>{DataDirectory}/scoring/checkpoints.db</c>.</summary>
    public string? CheckpointPath { get; set; }

    /// <summary>The compacted checkpoint topic when <see cref="CheckpointStore"/> is <c>kafka</c>.</summary>
    public string CheckpointTopic { get; set; } = Topics.ScoringCheckpoints;

    /// <summary>Largest checkpoint payload per Kafka record; larger partition states are split into chunks.</summary>
    public int CheckpointChunkBytes { get; set; } = 900_000;

    /// <summary>Longest wait for a Kafka checkpoint's acknowledgements, or for reading the topic to its end.</summary>
    public int CheckpointTimeoutMs { get; set; } = 30_000;

    /// <summary>Extra librdkafka settings for the consumer (e.g. <c>session.timeout.ms</c>): section <c>Scoring:Consumer</c>.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Extra librdkafka settings for the producer (e.g. <c>linger.ms</c>): section <c>Scoring:Producer</c>.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];
}

/// <summary>The values of <see cref="ScoringOptions.CheckpointStore"/>.</summary>
public static class CheckpointStores
{
    public const string Sqlite = "sqlite";
    public const string Kafka = "kafka";
}
