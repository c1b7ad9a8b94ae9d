namespace FraudDetection.AppHost.Options;

/// <summary>What the command line asked for.</summary>
public sealed record AppHostOptions
{
    public const int DefaultPort = 18888;
    public const double DefaultRate = 50;

    /// <summary>Run real containers (Testcontainers) and each service as its own process instead of the embedded system.</summary>
    public bool Containers { get; init; }

    /// <summary>Replay rate in transactions per second.</summary>
    public double Rate { get; init; } = DefaultRate;

    /// <summary>
    /// <see cref="Rate"/> as the Producer's <c>Producer:Rate</c> setting; "max" becomes a rate no machine reaches
    /// (the Producer's token bucket wants a finite rate).
    /// </summary>
    public string RateSetting => (double.IsPositiveInfinity(Rate) ? 10_000_000 : Rate).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Start the replay again from the top when the file ends.</summary>
    public bool Loop { get; init; }

    /// <summary>Embedded state (SQLite stores, registry, runs, outbox, checkpoints); absolute.</summary>
    public string DataDirectory { get; init; } = Path.GetFullPath(FraudDetection.Core.Hosting.DataPaths.DefaultDirectory);

    /// <summary>The CSV (plain or .gz) replayed into <c>transactions</c>; null = the bundled sample.</summary>
    public string? ReplayFile { get; init; }

    /// <summary>Port of the page (and of /health, /alive, /metrics).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Bind every interface instead of loopback only.</summary>
    public bool ListenAny { get; init; }

    /// <summary>The page's base URL as users type it.</summary>
    public string PageUrl => $"http://localhost:{Port}";

    /// <summary>What Kestrel binds.</summary>
    public string BindUrl => ListenAny ? $"http://0.0.0.0:{Port}" : $"http://127.0.0.1:{Port}";
}
