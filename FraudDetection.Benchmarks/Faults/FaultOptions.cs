namespace FraudDetection.Benchmarks.Faults;

/// <summary>What a fault run replays, which services it kills, and how long it lets the broker stop answering.</summary>
public sealed record FaultOptions
{
    /// <summary>The services the app host runs as projects, in the order they are killed.</summary>
    public static readonly IReadOnlyList<string> AllServices = ["scoring", "graph", "notifier", "producer", "training", "web"];

    /// <summary>Rows of the bundled replay (its head) sent through the system.</summary>
    public int Rows { get; init; } = 20_000;

    /// <summary>Replay rate, transactions per second: slow enough that the replay outlasts the kills.</summary>
    public int Rate { get; init; } = 100;

    public IReadOnlyList<string> Kill { get; init; } = AllServices;

    /// <summary>How many times each service in <see cref="Kill"/> is killed.</summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Wait after a service is started again before the next kill.</summary>
    public TimeSpan BetweenKills { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the broker stops answering (SIGSTOP) after the kills; zero: no pause.</summary>
    public TimeSpan BrokerPause { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait for any one step (start, a restart, the stream to drain).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromMinutes(5);
}
