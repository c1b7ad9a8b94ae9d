using System.Net;
using System.Net.Sockets;
using Confluent.Kafka;

namespace FraudDetection.AppHost.Hosting;

/// <summary>Checks made before anything starts, each failing with one clear line.</summary>
public static class StartupChecks
{
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

    /// <summary>The page's port is free on the address the AppHost will bind.</summary>
    public static void EnsurePortFree(int port, bool listenAny)
    {
        var address = listenAny ? IPAddress.Any : IPAddress.Loopback;
        try
        {
            var listener = new TcpListener(address, port);
            listener.Start();
            listener.Stop();
        }
        catch (SocketException e)
        {
            throw new AppHostConfigurationException(
                $"port {port} on {address} is not available ({e.SocketErrorCode}); another program is using it (choose another with --port)", e);
        }
    }

    /// <summary>An external broker named by ConnectionStrings:kafka answers a metadata request.</summary>
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
            var metadata = admin.GetMetadata(timeout);
            if (metadata.Brokers.Count == 0)
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

    /// <summary>The CSV to replay: the one asked for, or the bundled sample next to the AppHost or in the repository.</summary>
    public static string ResolveReplayFile(string? requested)
    {
        if (requested is not null)
        {
            return File.Exists(requested)
                ? requested
                : throw new AppHostConfigurationException($"replay file '{requested}' does not exist");
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
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
        throw new AppHostConfigurationException("the bundled sample data/sample.csv.gz was not found (give a file with --replay)");
    }
}
