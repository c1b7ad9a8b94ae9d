namespace FraudDetection.Graph.Store;

/// <summary>Options section <c>Graph</c>: how the sink batches and where the embedded store lives.</summary>
public sealed class GraphOptions
{
    public const string SectionName = "Graph";

    /// <summary>Consumer group of the sink.</summary>
    public string GroupId { get; set; } = "graph-sink";

    /// <summary>Kafka consumer session timeout: a killed sink's partitions go to its successor after this long (the client's default is 45 s).</summary>
    public int? SessionTimeoutMs { get; set; } = 10_000;

    /// <summary>Extra librdkafka settings for the sink's consumer (e.g. <c>fetch.wait.max.ms</c>): section <c>Graph:Consumer</c>.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Most edges written in one store call. A batch fills only while the sink is behind (otherwise
    /// <see cref="FlushInterval"/> writes what is there), and a larger one writes each touched index page once for more
    /// edges. graph-bench, 300k edges, interleaved: the whole sink 127–134k edges/s at 10,000 against 142–158k at
    /// 20,000; 126–132k at 40,000 against 139–145k at 20,000 (probably the edges in flight lengthening each gen0 collection).</summary>
    public int BatchSize { get; set; } = 20_000;

    /// <summary>Longest a partly filled batch waits before it is written: a steady trickle is written once a second,
    /// not once for each message that comes (each write is a SQLite transaction and a wake-up).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A partly filled batch is written once nothing has come for this long (the end of a burst), even
    /// before <see cref="FlushInterval"/>: each of the Producer's one-second ticks at the default rate is one write.</summary>
    public TimeSpan FlushIdle { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Messages held between the consumer and the writer (one batch being written, the next filling);
    /// when full the consumer waits (back-pressure).</summary>
    public int ChannelCapacity { get; set; } = 40_000;

    /// <summary>First wait after a failed batch write; doubles up to <see cref="MaxRetryDelay"/>. Writes are retried until they succeed.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>SQLite file of the embedded store; relative paths are under the data directory.</summary>
    public string SqliteFile { get; set; } = "graph/graph.db";

    /// <summary>Speed above which two consecutive transactions of a card are "impossible travel" (airliner cruise speed).</summary>
    public double ImpossibleTravelKmh { get; set; } = 900;
}
