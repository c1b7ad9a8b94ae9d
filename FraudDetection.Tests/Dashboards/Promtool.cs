using System.Diagnostics;

namespace FraudDetection.Tests.Dashboards;

/// <summary>Debian's <c>promtool check metrics</c>: Prometheus's own lint of an exposition (names, units, suffixes, help).</summary>
public static class Promtool
{
    /// <summary>One finding a line, each starting with the metric's name; empty when the exposition is clean.</summary>
    public static async Task<IReadOnlyList<string>> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo("promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start (apt-get install prometheus)");
        var stdout = promtool.StandardOutput.ReadToEndAsync();
        var stderr = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(exposition);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync();
        var findings = ((await stdout) + "\n" + (await stderr))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Exit 3 means lint findings; anything else but 0 is promtool failing to read the input at all.
        if (promtool.ExitCode is not (0 or 3))
        {
            throw new InvalidOperationException($"promtool exited {promtool.ExitCode}: {string.Join(" | ", findings)}");
        }
        return findings;
    }
}
