using System.Diagnostics;
using FraudDetection.AppHost.Hosting;

namespace FraudDetection.AppHost.Containers;

/// <summary>One of our services running as its own <c>dotnet</c> process, its output prefixed with its name.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public static ServiceProcess Start(string name, string projectName, string solutionRoot, IReadOnlyDictionary<string, string> environment)
    {
        var (fileName, arguments) = Command(projectName, solutionRoot);
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = solutionRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new AppHostConfigurationException($"could not start {projectName}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.WriteLine($"[{name}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(name, process);
    }

    /// <summary><c>dotnet &lt;built dll&gt;</c> when the project is built in the same configuration, else <c>dotnet run</c>.</summary>
    internal static (string FileName, IReadOnlyList<string> Arguments) Command(string projectName, string solutionRoot)
    {
        // The AppHost's own output is bin/<Configuration>/net10.0/: run the services built the same way.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name is "Release" ? "Release" : "Debug";
        var dll = Path.Combine(solutionRoot, projectName, "bin", configuration, "net10.0", projectName + ".dll");
        return File.Exists(dll)
            ? ("dotnet", [dll])
            : ("dotnet", ["run", "--no-launch-profile", "--project", Path.Combine(solutionRoot, projectName)]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }
        PosixSignals.Interrupt(_process.Id);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        try
        {
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
