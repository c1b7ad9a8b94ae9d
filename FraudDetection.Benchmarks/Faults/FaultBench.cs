using System.CommandLine;

namespace FraudDetection.Benchmarks.Faults;

/// <summary><c>faults</c>: the long form of the fault suite (the tests run a short form of the same run).</summary>
public static class FaultBench
{
    public static Command Build()
    {
        var rows = new Option<int>("--rows") { Description = "Rows of the bundled replay sent through the system", DefaultValueFactory = _ => new FaultOptions().Rows };
        var rate = new Option<int>("--rate") { Description = "Replay rate, transactions per second", DefaultValueFactory = _ => new FaultOptions().Rate };
        var rounds = new Option<int>("--rounds") { Description = "Times each service is killed", DefaultValueFactory = _ => new FaultOptions().Rounds };
        var kill = new Option<string[]>("--kill") { Description = "Services to kill, in order", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [.. FaultOptions.AllServices] };
        var pause = new Option<int>("--broker-pause") { Description = "Seconds the broker answers nothing after the kills (0: none)", DefaultValueFactory = _ => (int)new FaultOptions().BrokerPause.TotalSeconds };
        var command = new Command("faults", "The whole system in its processes: kill -9 each service while the replay flows, stop the broker from answering, then check that nothing was lost, duplicated or scored differently.")
        {
            rows, rate, rounds, kill, pause,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var unknown = parse.GetValue(kill)!.Except(FaultOptions.AllServices).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"faults: unknown service {string.Join(", ", unknown)} (one of {string.Join(", ", FaultOptions.AllServices)})");
                return 2;
            }
            var options = new FaultOptions
            {
                Rows = parse.GetValue(rows),
                Rate = parse.GetValue(rate),
                Rounds = parse.GetValue(rounds),
                Kill = parse.GetValue(kill)!,
                BrokerPause = TimeSpan.FromSeconds(parse.GetValue(pause)),
            };
            Console.WriteLine($"faults: {options.Rows:N0} rows at {options.Rate} tx/s; kill -9 {string.Join(", ", options.Kill)} x{options.Rounds}; broker silent {options.BrokerPause.TotalSeconds:F0} s");
            var report = await FaultRun.RunAsync(options, Console.Out, cancellationToken);
            Console.WriteLine($"unhealthy while the broker was silent: {(report.UnhealthyDuringPause.Count == 0 ? "none" : string.Join(", ", report.UnhealthyDuringPause))}; alerts {report.Alerts:N0}");
            Console.WriteLine(report.Line);
            return report.Passed ? 0 : 1;
        });
        return command;
    }
}
