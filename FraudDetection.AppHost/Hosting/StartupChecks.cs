using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.AppHost.Hosting;

/// <summary>Checks made before any process starts, each failing with one clear line (<see cref="AppHostConfigurationException"/>).</summary>
public static class StartupChecks
{
    public const int ConfigurationError = 1;
    public const int UsageError = 2;

    /// <summary>Runs <paramref name="check"/>; a configuration error is printed as one line and gives exit code 1.</summary>
    public static int? Run(Action check)
    {
        try
        {
            check();
            return null;
        }
        catch (AppHostConfigurationException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return ConfigurationError;
        }
    }

    public static int UsageErrors(IReadOnlyList<string> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine($"error: {error}");
        }
        Console.Error.WriteLine("usage: dotnet run --project FraudDetection.AppHost -- [--rate N|max] [--loop] [--replay FILE] [--data-dir DIR] [--containers] [--kafka-port N]");
        return UsageError;
    }

    /// <summary>The data directory exists (or can be created) and is writable.</summary>
    public static void EnsureDataDirectory(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                throw new AppHostConfigurationException($"data directory '{path}' is a file, not a folder (choose another with --data-dir)");
            }
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new AppHostConfigurationException($"data directory '{path}' cannot be used: {e.Message} (choose another with --data-dir)", e);
        }
    }

    /// <summary>
    /// Every fixed port of the model (and the dashboard's) is free on loopback. Skipped when DCP randomizes ports
    /// (<c>DcpPublisher:RandomizePorts</c>, as Aspire's test builder does).
    /// </summary>
    public static void EnsurePortsFree(IDistributedApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts"))
        {
            return;
        }
        var ports = new List<(string Owner, int Port)>();
        foreach (var key in new[] { "ASPNETCORE_URLS", "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL" })
        {
            foreach (var url in (builder.Configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Port > 0)
                {
                    ports.Add(("the Aspire dashboard", uri.Port));
                }
            }
        }
        foreach (var resource in builder.Resources)
        {
            if (resource is ContainerResource)
            {
                continue; // a container's host port is the container runtime's to bind
            }
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                if (endpoint.Port is { } port)
                {
                    ports.Add((resource.Name, port));
                }
            }
        }
        foreach (var (owner, port) in ports.Distinct())
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException e)
            {
                throw new AppHostConfigurationException(
                    $"port {port} ({owner}) is not available on 127.0.0.1 ({e.SocketErrorCode}): another program is using it (another run of FraudDetection?)", e);
            }
        }
    }

    /// <summary>An external broker (<c>ConnectionStrings__kafka</c>) answers a metadata request.</summary>
    public static void EnsureBrokerReachable(string bootstrapServers, TimeSpan timeout)
    {
        try
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig
            {
                BootstrapServers = bootstrapServers,
                SocketTimeoutMs = (int)timeout.TotalMilliseconds,
            })
            .SetLogHandler((_, _) => { })
            .SetErrorHandler((_, _) => { })
            .Build();
            if (admin.GetMetadata(timeout).Brokers.Count == 0)
            {
                throw new AppHostConfigurationException($"the Kafka broker at '{bootstrapServers}' answered with no brokers");
            }
        }
        catch (KafkaException e)
        {
            throw new AppHostConfigurationException($"the Kafka broker at '{bootstrapServers}' is unreachable ({e.Error.Reason}); check ConnectionStrings__kafka", e);
        }
        catch (ArgumentException e)
        {
            throw new AppHostConfigurationException($"ConnectionStrings__kafka '{bootstrapServers}' is not a valid bootstrap server list: {e.Message}", e);
        }
    }

    /// <summary>A container engine answers (<c>docker info</c>, or the runtime named by <c>ASPIRE_CONTAINER_RUNTIME</c>).</summary>
    public static void EnsureContainerRuntime(IDistributedApplicationBuilder builder)
    {
        var runtime = builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] is { Length: > 0 } configured ? configured : "docker";
        string? failure;
        try
        {
            using var info = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var error = info.StandardError.ReadToEndAsync();
            _ = info.StandardOutput.ReadToEndAsync();
            failure = !info.WaitForExit(TimeSpan.FromSeconds(15))
                ? "it did not answer within 15 s"
                : info.ExitCode == 0 ? null : error.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"exit code {info.ExitCode}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            failure = $"'{runtime}' is not installed";
        }
        if (failure is not null)
        {
            throw new AppHostConfigurationException($"--containers needs a running container engine ({runtime}): {failure.Trim()}; run without --containers for the development mode");
        }
    }

    /// <summary>
    /// The CSV to replay: the one asked for, or the bundled replay (<c>data/replay.csv.gz</c>, the weeks after the
    /// sample) next to <paramref name="sample"/>, or the sample itself when a clone lacks the replay file.
    /// </summary>
    public static string ResolveReplayFile(string? requested, string sample)
    {
        if (requested is not null)
        {
            return File.Exists(requested)
                ? Path.GetFullPath(requested)
                : throw new AppHostConfigurationException($"replay file '{requested}' does not exist");
        }
        var bundled = Path.Combine(Path.GetDirectoryName(sample)!, "replay.csv.gz");
        return File.Exists(bundled) ? bundled : sample;
    }

    /// <summary>The card history the Producer sends ahead of the replay: the sample before the bundled replay, else none.</summary>
    public static string ReplayHistory(string replay, string sample) =>
        Path.GetFileName(replay) == "replay.csv.gz" && Path.GetDirectoryName(replay) == Path.GetDirectoryName(sample) ? sample : "";

    /// <summary>The repository the bundled sample came from (its <c>data/</c> folder's parent).</summary>
    public static string RepositoryRoot(string sample) => Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(sample)))!;

    /// <summary>The bundled labelled sample (<c>data/sample.csv.gz</c> of the repository), which the starter model learns from.</summary>
    public static string ResolveSample()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data", "sample.csv.gz");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new AppHostConfigurationException("the bundled sample data/sample.csv.gz was not found (run from a clone of the repository, or give a file with --replay)");
    }
}
