using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The app host started from its built output as a child process (<c>dotnet FraudDetection.AppHost.dll ...</c>) with
/// what its launch profile gives <c>dotnet run</c>: the dashboard (anonymous) and its OTLP endpoint. With
/// <c>DcpPublisher:RandomizePorts</c> Aspire picks the dashboard's port too: <see cref="WaitForDashboardAsync"/> reads it
/// from the console, as a user does.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private AppHostProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The dashboard's address as the app host printed it ("Now listening on: …").</summary>
    public async Task<Uri> WaitForDashboardAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = _output.FirstOrDefault(l => l.Contains(ListeningPrefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return new Uri(line[(line.IndexOf(ListeningPrefix, StringComparison.Ordinal) + ListeningPrefix.Length)..].Trim());
            }
            _process.HasExited.Should().BeFalse($"the app host exited before its dashboard listened:\n{Output}");
            await Task.Delay(250);
        }
        throw new TimeoutException($"the app host printed no dashboard address within {timeout.TotalSeconds:F0} s:\n{Output}");
    }

    private const string ListeningPrefix = "Now listening on: ";
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string Output => string.Join('\n', _output);

    public static AppHostProcess Start(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        // perl resets SIGINT to its default before exec: a process started from a script's background job inherits
        // SIGINT ignored, and .NET would keep it so (the Ctrl+C test needs the app host to hear it). perl-base is part of every Debian.
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in new[] { "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet", AppHostPaths.AppHostDll }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        // A developer's or CI's own settings must not leak into the child.
        start.Environment.Remove("ConnectionStrings__kafka");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{FreePort()}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return new AppHostProcess(Process.Start(start)!);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Sends SIGINT (what Ctrl+C sends) and waits for the exit; true when it exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> InterruptAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }
        kill(_process.Id, 2).Should().Be(0, "SIGINT must reach the app host");
        return await WaitForExitAsync(timeout);
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
