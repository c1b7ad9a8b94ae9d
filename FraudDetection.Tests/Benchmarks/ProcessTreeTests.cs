using System.Diagnostics;
using FraudDetection.Benchmarks.Hosting;

namespace FraudDetection.Tests.Benchmarks;

/// <summary>How the system bench finds and counts the processes of a run (/proc, Linux).</summary>
public sealed class ProcessTreeTests
{
    [Fact]
    public async Task A_process_that_monitors_another_is_found_by_the_pid_it_monitors()
    {
        // As DCP is started: "--monitor <pid>" among its arguments (here $0 and $1 of the shell).
        using var monitor = Start("sleep 30", "--monitor", "424242");
        await WaitUntilAsync(() => ProcessTree.Monitoring(424242).Contains(monitor.Id));

        ProcessTree.Monitoring(424243).Should().NotContain(monitor.Id);
        monitor.Kill();
    }

    [Fact]
    public async Task The_CPU_of_a_reaped_child_counts_for_its_parent()
    {
        // The parent runs a busy child to its end, then sleeps: its own CPU is next to nothing.
        using var parent = Start("sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'; echo done; sleep 30");
        var done = await parent.StandardOutput.ReadLineAsync();

        done.Should().Be("done");
        ProcessTree.Usage(parent.Id).CpuSeconds.Should().BeGreaterThan(0.05, "the child's CPU went to the parent when it was reaped");
        parent.Kill();
    }

    private static Process Start(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the process started");
            await Task.Delay(50);
        }
    }
}
