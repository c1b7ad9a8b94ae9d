using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using FraudDetection.Benchmarks.Hosting;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Core.Transactions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Benchmarks.Faults;

/// <summary>
/// The whole system as a user runs it (the real app host, every service its own process, the development broker),
/// a bounded replay, and faults while it flows: each service killed with SIGKILL and started again through Aspire's
/// own start command, then the broker stopped (SIGSTOP) so that it answers nothing for a while. At the end every
/// replayed row is checked in the graph, the Notifier's ledger and outbox and web's store (<see cref="FaultCheck"/>).
/// </summary>
public static class FaultRun
{
    private const string Broker = "kafka";

    public static async Task<FaultReport> RunAsync(FaultOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        var work = Directory.CreateTempSubdirectory("fd-faults-");
        var data = Directory.CreateDirectory(Path.Combine(work.FullName, "data")).FullName;
        try
        {
            var replay = TransactionCsv.ReadFile(Path.Combine(RepositoryFiles.Root(), "data", "replay.csv.gz")).Take(options.Rows).ToList();
            var replayFile = Path.Combine(work.FullName, "replay-head.csv");
            TransactionCsv.WriteFile(replayFile, replay);
            var clock = Stopwatch.StartNew();
            void Log(string line) => log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}"));

            var app = await AppHostRun.CreateAsync(
                [
                    "--data-dir", data,
                    "--replay", replayFile,
                    "--rate", options.Rate.ToString(CultureInfo.InvariantCulture),
                ], cancellationToken);
            var kills = 0;
            double recovered;
            IReadOnlyList<string> unhealthy = [];
            FaultStreamState stream;
            try
            {
                await app.StartAsync(cancellationToken).WaitAsync(options.StepTimeout, cancellationToken);
                var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
                var commands = app.Services.GetRequiredService<ResourceCommandService>();
                var model = app.Services.GetRequiredService<DistributedApplicationModel>();
                await AppHostRun.WaitHealthyAsync(notifications, [Broker, .. FaultOptions.AllServices], options.StepTimeout, cancellationToken);
                Log("every service healthy");

                using var producer = app.CreateHttpClient("producer");
                var flowing = Math.Min(options.Rows / 10, 500);
                await AppHostRun.PollAsync(async () => (await AppHostRun.ProducerStatusAsync(producer, cancellationToken)).Acknowledged >= flowing,
                    $"the replay flowing ({flowing} acknowledged)", options.StepTimeout, cancellationToken);
                Log("the replay is flowing");

                var lastFault = clock.Elapsed;
                for (var round = 0; round < options.Rounds; round++)
                {
                    foreach (var service in options.Kill)
                    {
                        var resource = model.Resources.Single(r => r.Name == service);
                        var pid = AppHostRun.Pid(notifications, service);
                        // The service's process and whatever it started, deepest first, so that no shutdown code runs anywhere.
                        foreach (var process in ProcessTree.DescendantsFirst(pid))
                        {
                            Signal("KILL", process);
                        }
                        kills++;
                        await notifications.WaitForResourceAsync(service, KnownResourceStates.TerminalStates, cancellationToken).WaitAsync(options.StepTimeout, cancellationToken);
                        var started = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cancellationToken);
                        if (!started.Success)
                        {
                            throw new InvalidOperationException($"{service} did not start again: {started.Message}");
                        }
                        Log($"killed {service} (pid {pid}) and started it again");
                        lastFault = clock.Elapsed;
                        await Task.Delay(options.BetweenKills, cancellationToken);
                    }
                }

                if (options.BrokerPause > TimeSpan.Zero)
                {
                    unhealthy = await PauseBrokerAsync(app, notifications, options.BrokerPause, Log, cancellationToken);
                    lastFault = clock.Elapsed;
                }
                await AppHostRun.WaitHealthyAsync(notifications, FaultOptions.AllServices, options.StepTimeout, cancellationToken);
                Log($"every service healthy {(clock.Elapsed - lastFault).TotalSeconds:F1} s after the last fault");

                // Recovered: the graph holds everything the Producer had sent (the replay may still be going).
                await AppHostRun.PollAsync(async () => FaultCheck.GraphRows(data) >= (await AppHostRun.ProducerStatusAsync(producer, cancellationToken)).Acknowledged,
                    "the graph caught up with the Producer", options.StepTimeout, cancellationToken);
                recovered = (clock.Elapsed - lastFault).TotalSeconds;
                Log($"the graph caught up with the Producer {recovered:F1} s after the last fault");
                stream = await FaultCheck.WaitForDrainAsync(app, data, replay.Count, options.StepTimeout, Log, cancellationToken);
                await app.StopAsync(cancellationToken);
                Log("stopped");
            }
            finally
            {
                await app.DisposeAsync();
            }
            var report = FaultCheck.Compare(data, replay, stream, kills, recovered, unhealthy);
            foreach (var problem in report.Problems)
            {
                Log($"  {problem}");
            }
            Log(report.Line);
            return report;
        }
        finally
        {
            TryDelete(work.FullName);
        }
    }

    /// <summary>The broker answers nothing (SIGSTOP) for <paramref name="pause"/>; which services said they were unhealthy meanwhile.</summary>
    private static async Task<IReadOnlyList<string>> PauseBrokerAsync(DistributedApplication app, ResourceNotificationService notifications,
        TimeSpan pause, Action<string> log, CancellationToken cancellationToken)
    {
        var processes = ProcessTree.DescendantsFirst(AppHostRun.Pid(notifications, Broker));
        var pid = processes[0];
        var clients = FaultOptions.AllServices.ToDictionary(s => s, s => app.CreateHttpClient(s));
        var unhealthy = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var process in processes)
        {
            Signal("STOP", process);
        }
        log($"broker (pid {pid}) stopped answering for {pause.TotalSeconds:F0} s");
        try
        {
            var until = DateTime.UtcNow + pause;
            while (DateTime.UtcNow < until)
            {
                foreach (var (service, client) in clients)
                {
                    if (!await IsHealthyAsync(client, cancellationToken))
                    {
                        unhealthy.Add(service);
                    }
                }
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
        finally
        {
            foreach (var process in processes)
            {
                Signal("CONT", process);
            }
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
        log($"broker answering again; unhealthy meanwhile: {(unhealthy.Count == 0 ? "none" : string.Join(", ", unhealthy))}");
        return [.. unhealthy];
    }

    private static async Task<bool> IsHealthyAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await client.GetAsync("/health", timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    // kill(1) rather than P/Invoke: the runtime's Process API sends only SIGKILL. A process already gone is no error.
    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
        })!;
        kill.WaitForExit();
    }



    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

