using System.Globalization;

namespace FraudDetection.AppHost.Options;

/// <summary>What the command line asked for (the rest of the arguments go to Aspire).</summary>
public sealed record AppHostOptions
{
    public const double DefaultRate = 50;
    public const string DefaultDataDirectory = ".data";
    /// <summary>One transaction a second at the default rate; every alert is traced besides (TraceSampling.AlwaysTracedTag).</summary>
    public const double DefaultTraceRatio = 0.02;

    /// <summary>Real Kafka, Neo4j, MLflow, Prometheus and Grafana as containers (needs a Docker engine).</summary>
    public bool Containers { get; init; }

    /// <summary>Replay rate in transactions per second (infinity for <c>max</c>).</summary>
    public double Rate { get; init; } = DefaultRate;

    /// <summary>
    /// <see cref="Rate"/> as the Producer's <c>Producer:Rate</c>; "max" becomes a rate no machine reaches (the Producer's
    /// token bucket wants a finite rate).
    /// </summary>
    public string RateSetting => (double.IsPositiveInfinity(Rate) ? 10_000_000 : Rate).ToString(CultureInfo.InvariantCulture);

    /// <summary>Start the replay again from the top when the file ends.</summary>
    public bool Loop { get; init; }

    /// <summary>All state of the run (stores, registry, runs, outbox, checkpoints, replay position); absolute.</summary>
    public string DataDirectory { get; init; } = Path.GetFullPath(DefaultDataDirectory);

    /// <summary>The CSV (plain or .gz) replayed into <c>transactions</c>; null = the bundled sample.</summary>
    public string? ReplayFile { get; init; }

    /// <summary>The development broker's fixed port.</summary>
    public int KafkaPort { get; init; } = DevKafkaBuilderExtensions.DefaultPort;

    /// <summary>Share of trace roots sampled (OpenTelemetry's parent-based trace-id ratio: a transaction is traced end to end or not at all).</summary>
    public double TraceRatio { get; init; } = DefaultTraceRatio;
}
