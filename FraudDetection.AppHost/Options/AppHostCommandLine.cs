using System.CommandLine;
using System.Globalization;

namespace FraudDetection.AppHost.Options;

/// <summary>
/// Parses <c>dotnet run --project FraudDetection.AppHost -- [options]</c> (System.CommandLine). Arguments it does not
/// know (e.g. <c>--DcpPublisher:…</c> settings) are left for Aspire's own configuration.
/// </summary>
public static class AppHostCommandLine
{
    private static readonly Option<bool> ContainersOption = new("--containers")
    {
        Description = "Real Kafka, Neo4j, MLflow, Prometheus and Grafana as containers (needs a Docker engine).",
    };

    private static readonly Option<string> RateOption = new("--rate")
    {
        Description = "Replay rate in transactions per second, or 'max'.",
        DefaultValueFactory = _ => AppHostOptions.DefaultRate.ToString(CultureInfo.InvariantCulture),
    };

    private static readonly Option<bool> LoopOption = new("--loop")
    {
        Description = "Replay the file again from the top when it ends.",
    };

    private static readonly Option<string> DataDirOption = new("--data-dir")
    {
        Description = "Where all state of the run lives (stores, model registry, runs, outbox, checkpoints, replay position).",
        DefaultValueFactory = _ => AppHostOptions.DefaultDataDirectory,
    };

    private static readonly Option<string?> ReplayOption = new("--replay")
    {
        Description = "Kaggle-schema CSV (plain or .gz) to replay instead of the bundled sample.",
    };

    private static readonly Option<int> KafkaPortOption = new("--kafka-port")
    {
        Description = "Port of the development Kafka broker on 127.0.0.1 (0: any free port).",
        DefaultValueFactory = _ => DevKafkaBuilderExtensions.DefaultPort,
    };

    private static readonly Option<double> TraceRatioOption = new("--trace-ratio")
    {
        Description = "Share of transactions (and of requests) traced to the dashboard, 0 to 1 (default 0.02); every alert is traced whatever the share, the rest are counted in metrics only.",
        DefaultValueFactory = _ => AppHostOptions.DefaultTraceRatio,
    };

    public static RootCommand CreateCommand() => new("FraudDetection app host: every service as a process of its own, with the Aspire dashboard.")
    {
        ContainersOption, RateOption, LoopOption, DataDirOption, ReplayOption, KafkaPortOption, TraceRatioOption,
    };

    /// <summary>Options and the arguments left for Aspire, or the usage errors (one line each).</summary>
    public static (AppHostOptions? Options, string[] AspireArguments, IReadOnlyList<string> Errors) Parse(string[] args)
    {
        var command = CreateCommand();
        command.TreatUnmatchedTokensAsErrors = false;
        var result = command.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        if (errors.Count > 0)
        {
            return (null, [], errors);
        }

        var rateText = result.GetValue(RateOption) ?? "";
        double rate;
        if (string.Equals(rateText, "max", StringComparison.OrdinalIgnoreCase))
        {
            rate = double.PositiveInfinity;
        }
        else if (!double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) || !(rate > 0) || double.IsInfinity(rate))
        {
            return (null, [], [$"--rate must be a positive number of transactions per second or 'max', not '{rateText}'"]);
        }

        var kafkaPort = result.GetValue(KafkaPortOption);
        if (kafkaPort is < 0 or > 65535)
        {
            return (null, [], [$"--kafka-port must be between 0 and 65535, not {kafkaPort}"]);
        }

        var traceRatio = result.GetValue(TraceRatioOption);
        if (!(traceRatio is >= 0 and <= 1))
        {
            return (null, [], [$"--trace-ratio must be between 0 and 1, not {traceRatio.ToString(CultureInfo.InvariantCulture)}"]);
        }

        var dataDir = result.GetValue(DataDirOption);
        if (string.IsNullOrWhiteSpace(dataDir))
        {
            return (null, [], ["--data-dir must name a folder"]);
        }
        string fullDataDir;
        try
        {
            fullDataDir = Path.GetFullPath(dataDir);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return (null, [], [$"--data-dir '{dataDir}' is not a valid path: {e.Message}"]);
        }

        var replay = result.GetValue(ReplayOption);
        var options = new AppHostOptions
        {
            Containers = result.GetValue(ContainersOption),
            Rate = rate,
            Loop = result.GetValue(LoopOption),
            DataDirectory = fullDataDir,
            ReplayFile = string.IsNullOrWhiteSpace(replay) ? null : Path.GetFullPath(replay),
            KafkaPort = kafkaPort,
            TraceRatio = traceRatio,
        };
        return (options, [.. result.UnmatchedTokens], []);
    }

    /// <summary>True when the user only asked for help (System.CommandLine prints it).</summary>
    public static bool IsHelp(string[] args) => args.Any(a => a is "-h" or "--help" or "-?" or "/?");

    public static int PrintHelp(string[] args) => CreateCommand().Parse(args).Invoke();
}
