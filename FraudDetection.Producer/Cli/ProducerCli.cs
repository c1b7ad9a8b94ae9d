using System.CommandLine;
using System.Globalization;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Rate;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;
using FraudDetection.Producer.Synthetic;
using FraudDetection.Producer.Telemetry;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.Producer.Cli;

/// <summary>The command line: <c>dotnet run --project FraudDetection.Producer -- replay|synth ...</c>.</summary>
public static class ProducerCli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static Task<int> RunAsync(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FraudDetection Producer: card transactions onto Kafka (or stdout as JSON lines).");
        root.Add(BuildReplay());
        root.Add(BuildSynth());
        return root;
    }

    private static Option<string> RateOption() => new("--rate")
    {
        Description = "Transactions per second, or 'max'",
        DefaultValueFactory = _ => "5",
    };

    private static Option<long?> CountOption() => new("--count") { Description = "Stop after this many transactions" };

    private static Option<string?> BootstrapOption() => new("--bootstrap")
    {
        Description = "Kafka bootstrap servers (default: ConnectionStrings:kafka from configuration/environment)",
    };

    private static Option<string> TopicOption() => new("--topic") { Description = "Kafka topic", DefaultValueFactory = _ => Topics.Transactions };

    private static Option<bool> StdoutOption() => new("--stdout") { Description = "Write JSON lines to standard output instead of Kafka" };

    private static Command BuildReplay()
    {
        var file = new Option<string>("--file") { Description = "Kaggle-schema CSV file, plain or .gz", Required = true };
        var rate = RateOption();
        var count = CountOption();
        var loop = new Option<bool>("--loop") { Description = "Start over at the end of the file" };
        var keepTime = new Option<bool>("--keep-time") { Description = "Keep the file's event times (default: move them by whole weeks, and dob with them, so the first is within the last week)" };
        var history = new Option<string[]>("--history")
        {
            Description = "Earlier CSVs sent first, marked as card history (Scoring folds them into the card state, unscored); repeatable",
            AllowMultipleArgumentsPerToken = true,
        };
        var historyRate = new Option<string>("--history-rate") { Description = "Transactions per second for the history, or 'max'", DefaultValueFactory = _ => "20000" };
        var bootstrap = BootstrapOption();
        var topic = TopicOption();
        var stdout = StdoutOption();
        var command = new Command("replay", "Replay a CSV file in file order at a set rate.")
        {
            file, rate, count, loop, keepTime, history, historyRate, bootstrap, topic, stdout,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var options = new OutputChoice(parse.GetValue(bootstrap), parse.GetValue(topic)!, parse.GetValue(stdout));
            var historyFiles = (parse.GetValue(history) ?? []).Select(DataFiles.Resolve).ToList();
            ReplaySource? replay = null;
            return RunAsync(
                () => replay = new ReplaySource(DataFiles.Resolve(parse.GetValue(file)!), parse.GetValue(loop), parse.GetValue(keepTime), onError: ReportRowError),
                parse.GetValue(rate)!, parse.GetValue(count), options, cancellationToken,
                historyFiles.Count == 0 ? null : new HistoryChoice(() => new HistorySource(historyFiles, replay!.Shift, ReportRowError), parse.GetValue(historyRate)!));
        });
        return command;
    }

    private static Command BuildSynth()
    {
        var scenario = new Option<string>("--scenario")
        {
            Description = "normal, account-takeover, card-testing, merchant-collusion, geographic-anomaly or mix",
            DefaultValueFactory = _ => FraudScenarios.Mix,
        };
        scenario.AcceptOnlyFromAmong([.. FraudScenarios.All]);
        var rate = RateOption();
        var count = CountOption();
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed and --start: same output)", DefaultValueFactory = _ => 42 };
        var fraudShare = new Option<double>("--fraud-share")
        {
            Description = "Share of transactions labelled fraud (patterns and mix)",
            DefaultValueFactory = _ => 0.02,
        };
        var holders = new Option<int>("--card-holders") { Description = "Population size", DefaultValueFactory = _ => 1000 };
        var start = new Option<string?>("--start") { Description = "Local time of the first event, yyyy-MM-dd HH:mm:ss (default: now)" };
        var bootstrap = BootstrapOption();
        var topic = TopicOption();
        var stdout = StdoutOption();
        var dataset = new SynthDatasetOptions();
        var command = new Command("synth", "Synthetic traffic from a population of card holders, with named fraud patterns "
                                           + "(onto Kafka or stdout; with --format csv, a labelled data set in the Kaggle layout).")
        {
            scenario, rate, count, seed, fraudShare, holders, start, bootstrap, topic, stdout,
        };
        dataset.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            if (dataset.IsCsv(parse))
            {
                return Task.FromResult(dataset.Run(parse, parse.GetValue(scenario)!, parse.GetValue(seed), parse.GetValue(fraudShare),
                    parse.GetValue(holders), cancellationToken));
            }
            if (dataset.UsedWithoutCsv(parse) is { } misplaced)
            {
                Console.Error.WriteLine($"error: {misplaced} needs --format csv");
                return Task.FromResult(2);
            }
            var startText = parse.GetValue(start);
            DateTime startTime;
            if (startText is null)
            {
                var now = DateTime.Now;
                startTime = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second);
            }
            else if (!DateTime.TryParse(startText, CultureInfo.InvariantCulture, DateTimeStyles.None, out startTime))
            {
                Console.Error.WriteLine($"error: --start '{startText}' is not a date-time (yyyy-MM-dd HH:mm:ss)");
                return Task.FromResult(2);
            }
            var share = parse.GetValue(fraudShare);
            if (share is < 0 or >= 1)
            {
                Console.Error.WriteLine("error: --fraud-share must be in [0, 1)");
                return Task.FromResult(2);
            }
            var settings = new SyntheticSettings
            {
                Scenario = parse.GetValue(scenario)!,
                Seed = parse.GetValue(seed),
                FraudShare = share,
                CardHolders = Math.Max(1, parse.GetValue(holders)),
                Start = startTime,
            };
            var options = new OutputChoice(parse.GetValue(bootstrap), parse.GetValue(topic)!, parse.GetValue(stdout));
            return RunAsync(() => new SyntheticSource(new SyntheticTraffic(settings)), parse.GetValue(rate)!, parse.GetValue(count), options, cancellationToken);
        });
        return command;
    }

    private sealed record OutputChoice(string? Bootstrap, string Topic, bool Stdout);

    /// <summary>History to send before the source (created after it: it takes the replay's shift), and its rate.</summary>
    private sealed record HistoryChoice(Func<ITransactionSource> Create, string Rate);

    private static int _rowErrorsShown;

    private static void ReportRowError(CsvRowError error)
    {
        if (Interlocked.Increment(ref _rowErrorsShown) <= 20)
        {
            Console.Error.WriteLine($"skipped line {error.LineNumber}: {error.Reason}");
        }
    }

    // Console's own stream ignores a closed pipe (EPIPE); a FileStream on fd 1 reports it, so "| head" ends the run.
    private static Stream OpenStandardOutput() => OperatingSystem.IsWindows()
        ? Console.OpenStandardOutput()
        : new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);

    /// <summary>Parses --rate: a positive number, or 'max' (null).</summary>
    public static bool TryParseRate(string text, out double? rate)
    {
        rate = null;
        if (string.Equals(text.Trim(), "max", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value > 0)
        {
            rate = value;
            return true;
        }
        return false;
    }

    /// <summary>ConnectionStrings:kafka from appsettings.json, user secrets' environment equivalent, or ConnectionStrings__kafka.</summary>
    public static string? ConfiguredBootstrap()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        return KafkaConnection.BootstrapServers(configuration);
    }

    private static async Task<int> RunAsync(Func<ITransactionSource> createSource, string rateText, long? count, OutputChoice output,
        CancellationToken cancellationToken, HistoryChoice? historyChoice = null)
    {
        if (!TryParseRate(rateText, out var rate))
        {
            Console.Error.WriteLine($"error: --rate '{rateText}' is neither a positive number nor 'max'");
            return 2;
        }
        double? historyRate = null;
        if (historyChoice is not null && !TryParseRate(historyChoice.Rate, out historyRate))
        {
            Console.Error.WriteLine($"error: --history-rate '{historyChoice.Rate}' is neither a positive number nor 'max'");
            return 2;
        }
        if (count is < 0)
        {
            Console.Error.WriteLine("error: --count must not be negative");
            return 2;
        }
        var bootstrap = output.Bootstrap ?? ConfiguredBootstrap();
        if (!output.Stdout && string.IsNullOrWhiteSpace(bootstrap))
        {
            Console.Error.WriteLine("error: no Kafka to send to: pass --bootstrap host:port, set ConnectionStrings__kafka, or use --stdout");
            return 2;
        }

        ITransactionSource source;
        ITransactionSource? history = null;
        try
        {
            source = createSource();
            history = historyChoice?.Create();
            if (rate is null or >= 1_000)
            {
                // Fast runs parse on a thread of their own while this one serializes and sends.
                source = new PrefetchSource(source);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or ArgumentException or IOException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }

        using var metrics = new ProducerMetrics();
        using (history)
        using (source)
        {
            await using ITransactionSink sink = output.Stdout
                ? new StdoutJsonSink(OpenStandardOutput(), metrics)
                : new KafkaTransactionSink(bootstrap!, output.Topic, metrics);
            var bucket = rate is { } r ? new TokenBucket(r) : null;
            var counters = new RunCounters();
            var started = TimeProvider.System.GetTimestamp();
            long sent;
            await using (var progress = CliProgress.Start(source, sink, counters, count, rate))
            {
                try
                {
                    if (history is not null)
                    {
                        // --count counts the replay only; the history goes first, whole.
                        var historySent = await ProducerLoop.RunAsync(history, sink, historyRate is { } hr ? new TokenBucket(hr) : null, null,
                            new RunCounters(), cancellationToken);
                        Console.Error.WriteLine($"{history.Description}: sent {historySent:N0} as card history, rows skipped {history.Skipped:N0}");
                    }
                    sent = await ProducerLoop.RunAsync(source, sink, bucket, count, counters, cancellationToken);
                    await sink.FlushAsync(CancellationToken.None);
                }
                catch (OperationCanceledException)
                {
                    sent = counters.Sent;
                    Console.Error.WriteLine("stopping: flushing what was sent");
                    await sink.FlushAsync(CancellationToken.None);
                }
                catch (IOException) when (output.Stdout)
                {
                    // The reader of standard output went away (e.g. "| head").
                    return 0;
                }
                catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
                {
                    // The input broke mid-way (e.g. corrupt gzip data): say so, keep what was sent.
                    Console.Error.WriteLine($"error: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}");
                    await sink.FlushAsync(CancellationToken.None);
                    Console.Error.WriteLine($"sent {counters.Sent:N0} before the error, acknowledged {sink.Acknowledged:N0}");
                    return 1;
                }
            }
            var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
            Console.Error.WriteLine(
                $"{source.Description}: sent {sent:N0}, acknowledged {sink.Acknowledged:N0}, failed {sink.Failed:N0}, rows skipped {source.Skipped:N0} "
                + $"in {seconds:F1} s ({sent / Math.Max(seconds, 1e-9):N0} tx/s)");
            if (sink.LastError is { } lastError && sink.Failed > 0)
            {
                Console.Error.WriteLine($"last error: {lastError}");
            }
            return sink.Failed > 0 ? 1 : 0;
        }
    }
}
