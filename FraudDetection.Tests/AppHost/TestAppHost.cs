using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The app host as tests run it: a temp data directory, every port chosen by DCP (never the fixed ports of a user's
/// run), a fast replay, and no wait for a container runtime (none runs here).
/// </summary>
internal static class TestAppHost
{
    /// <summary>High enough that 1,000 transactions are scored within seconds of the Producer's start.</summary>
    public const int Rate = 2000;

    /// <summary>Names of the services the app host runs as projects, in start order.</summary>
    public static readonly string[] Services = ["training", "scoring", "graph", "notifier", "producer", "web"];

    public static string NewDataDirectory() => Directory.CreateTempSubdirectory("fd-apphost-").FullName;

    /// <summary>Arguments for a run on <paramref name="dataDirectory"/> at <see cref="Rate"/>; <paramref name="extra"/> go after.</summary>
    public static string[] Arguments(string dataDirectory, params string[] extra) => ArgumentsAt(Rate.ToString(System.Globalization.CultureInfo.InvariantCulture), dataDirectory, extra);

    public static string[] ArgumentsAt(string rate, string dataDirectory, params string[] extra) =>
    [
        "--data-dir", dataDirectory,
        "--rate", rate,
        "--loop",
        "--kafka-port", "0",
        "--DcpPublisher:RandomizePorts=true",
        "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00",
        .. extra,
    ];

    /// <summary>The testing builder over the real app host's Program (its topology as written).</summary>
    public static Task<IDistributedApplicationTestingBuilder> CreateAsync(string[] arguments, bool dashboard = false) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.FraudDetection_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard }, arguments);

    /// <summary>The resources of a default run: the broker, the services and Prometheus when installed.</summary>
    public static IReadOnlyList<string> RunResources(IDistributedApplicationTestingBuilder builder) =>
        ["kafka", .. Services, .. builder.Resources.OfType<PrometheusResource>().Select(p => p.Name)];

    public static IResource Resource(this IDistributedApplicationTestingBuilder builder, string name) =>
        builder.Resources.Single(r => r.Name == name);

    /// <summary>The names of the resources <paramref name="resource"/> waits for before it starts.</summary>
    public static IReadOnlyList<string> WaitsFor(this IResource resource) =>
        [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Distinct().Order()];

    /// <summary>
    /// Live processes this run left: any whose environment names <paramref name="dataDirectory"/> (every service gets it
    /// as FraudDetection__DataDirectory; Prometheus has it in its arguments) or that DCP started for app host <paramref name="appHostPid"/>.
    /// </summary>
    public static List<string> ProcessesOf(string dataDirectory, int? appHostPid = null)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var commandLine = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var environment = File.ReadAllText(Path.Combine(dir, "environ"));
                if (environment.Contains($"FraudDetection__DataDirectory={dataDirectory}\0", StringComparison.Ordinal)
                    || commandLine.Contains(dataDirectory, StringComparison.Ordinal)
                    || (appHostPid is { } host && commandLine.Contains("dcp", StringComparison.Ordinal) && commandLine.Contains($"--monitor {host} ", StringComparison.Ordinal)))
                {
                    found.Add($"{pid}: {commandLine}");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
        return found;
    }

    /// <summary>Waits until <see cref="ProcessesOf"/> finds none, or the timeout; returns what is left.</summary>
    public static async Task<List<string>> WaitForNoProcessesAsync(string dataDirectory, TimeSpan timeout, int? appHostPid = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<string> left;
        while ((left = ProcessesOf(dataDirectory, appHostPid)).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        return left;
    }

    public static void DeleteDataDirectory(string dataDirectory)
    {
        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
