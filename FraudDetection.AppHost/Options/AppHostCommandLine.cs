using System.CommandLine;
using System.Globalization;

namespace FraudDetection.AppHost.Options;

/// <summary>Parses <c>dotnet run --project FraudDetection.AppHost -- [options]</c> (System.CommandLine).</summary>
public static class AppHostCommandLine
{
    private static readonly Option<bool> ContainersOption = new("--containers")
    {
        Description = "Run Kafka, Neo4j, Grafana, Prometheus, MLflow and the Aspire dashboard as containers (needs Docker) and each service as its own process.",
    };

    private static readonly Option<string> RateOption = new("--rate")
    {
        Description = "Replay rate in transactions per second (or 'max').",
        DefaultValueFactory = _ => AppHostOptions.DefaultRate.ToString(CultureInfo.InvariantCulture),
    };

    private static readonly Option<bool> LoopOption = new("--loop")
    {
        Description = "Replay the sample again from the top when it ends.",
    };

    private static readonly Option<string> DataDirOption = new("--data-dir")
    {
        Description = "Where embedded state lives (stores, model registry, runs, outbox, checkpoints).",
        DefaultValueFactory = _ => FraudDetection.Core.Hosting.DataPaths.DefaultDirectory,
    };

    private static readonly Option<string?> ReplayOption = new("--replay")
    {
        Description = "Kaggle-schema CSV (plain or .gz) to replay instead of the bundled sample.",
    };

    private static readonly Option<int> PortOption = new("--port")
    {
        Description = "Port of the resources page (also /health, /alive, /metrics).",
        DefaultValueFactory = _ => AppHostOptions.DefaultPort,
    };

    private static readonly Option<bool> ListenAnyOption = new("--listen-any")
    {
        Description = "Listen on every network interface instead of loopback only.",
    };

    public static RootCommand CreateCommand() => new("FraudDetection AppHost: the whole system in one process (default) or in containers.")
    {
        ContainersOption, RateOption, LoopOption, DataDirOption, ReplayOption, PortOption, ListenAnyOption,
    };

    /// <summary>Options from <paramref name="args"/>, or the usage errors in one line each.</summary>
    public static (AppHostOptions? Options, IReadOnlyList<string> Errors) Parse(string[] args)
    {
        var result = CreateCommand().Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var rateText = result.GetValue(RateOption) ?? "";
        double rate;
        if (string.Equals(rateText, "max", StringComparison.OrdinalIgnoreCase))
        {
            rate = double.PositiveInfinity;
        }
        else if (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || !(rate > 0))
        {
            return (null, [$"--rate must be a positive number of transactions per second or 'max', not '{rateText}'"]);
        }

        var port = result.GetValue(PortOption);
        if (port is < 1 or > 65535)
        {
            return (null, [$"--port must be between 1 and 65535, not {port}"]);
        }

        var dataDir = result.GetValue(DataDirOption);
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            return (null, ["--data-dir must name a folder"]);
        }

        string fullDataDir;
        try
        {
            fullDataDir = Path.GetFullPath(dataDir);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return (null, [$"--data-dir '{dataDir}' is not a valid path: {e.Message}"]);
        }

        var replay = result.GetValue(ReplayOption);
        return (new AppHostOptions
        {
            Containers = result.GetValue(ContainersOption),
            Rate = rate,
            Loop = result.GetValue(LoopOption),
            DataDirectory = fullDataDir,
            ReplayFile = string.IsNullOrWhiteSpace(replay) ? null : Path.GetFullPath(replay),
            Port = port,
            ListenAny = result.GetValue(ListenAnyOption),
        }, []);
    }

    /// <summary>True when the user only asked for help or the version (System.CommandLine prints those).</summary>
    public static bool IsHelpOrVersion(string[] args) =>
        args.Any(a => a is "-h" or "--help" or "-?" or "/?" or "--version");

    public static int PrintHelp(string[] args) => CreateCommand().Parse(args).Invoke();
}
