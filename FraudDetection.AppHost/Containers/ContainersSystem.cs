using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using FraudDetection.AppHost.Embedded;
using FraudDetection.AppHost.Hosting;
using Testcontainers.Kafka;

namespace FraudDetection.AppHost.Containers;

/// <summary>
/// <c>--containers</c>: starts the <see cref="ContainerTopology"/> with Testcontainers (infrastructure) and as
/// processes (services), each after its dependencies are healthy; prints every URL; Ctrl+C stops and removes all.
/// </summary>
public static class ContainersSystem
{
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMinutes(3);

    public static async Task<int> RunAsync(AppHostOptions options, CancellationToken cancellationToken)
    {
        StartupChecks.EnsureDataDirectory(options.DataDirectory);
        var replayFile = StartupChecks.ResolveReplayFile(options.ReplayFile);
        var repoRoot = FindSolutionRoot()
            ?? throw new AppHostConfigurationException("containers mode runs the services from the repository: run it from a clone (FraudDetection.sln not found)");
        var generated = Directory.CreateDirectory(Path.Combine(options.DataDirectory, "containers")).FullName;
        var order = ContainerTopology.WaitOrder(ContainerTopology.Create(options, replayFile));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        // docker/systemd stop with SIGTERM: the same clean stop (processes, containers, network).
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });

        var endpoints = new Dictionary<string, Dictionary<string, Uri>>();
        var containers = new List<IContainer>();
        var processes = new List<ServiceProcess>();
        INetwork? network = null;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            network = new NetworkBuilder().WithName("frauddetection-" + Guid.NewGuid().ToString("N")[..8]).Build();
            await network.CreateAsync(stop.Token);
            foreach (var resource in order)
            {
                Console.WriteLine($"starting {resource.Name} ({resource.Image ?? resource.Project})…");
                if (resource.Type == ResourceType.Container)
                {
                    if (resource.Name == ContainerTopology.Prometheus)
                    {
                        WritePrometheusConfig(Path.Combine(generated, "prometheus.yml"), endpoints);
                    }
                    var container = BuildContainer(resource, network, repoRoot, generated);
                    containers.Add(container);
                    await container.StartAsync(stop.Token);
                    endpoints[resource.Name] = resource.Ports.ToDictionary(
                        p => p.Name,
                        p => new Uri($"{p.Scheme}://{container.Hostname}:{container.GetMappedPublicPort(p.TargetPort)}"));
                }
                else
                {
                    var port = FreePort();
                    endpoints[resource.Name] = new() { ["http"] = new Uri($"http://127.0.0.1:{port}") };
                    var environment = resource.Environment.ToDictionary(
                        e => e.Key,
                        e => ContainerTopology.Resolve(e.Value, (name, portName, hostPort) =>
                            Endpoint(endpoints, name == "self" ? resource.Name : name, portName, hostPort)));
                    processes.Add(ServiceProcess.Start(resource.Name, resource.Project!, repoRoot, environment));
                }

                await WaitHealthyAsync(http, resource, endpoints[resource.Name], processes, stop.Token);
                if (resource.Name == ContainerTopology.Mlflow)
                {
                    // Scoring needs a champion: trained here once and registered in the MLflow container.
                    await StarterModel.EnsureChampionAsync(new Dictionary<string, string?>
                    {
                        [Core.Hosting.DataPaths.ConfigurationKey] = options.DataDirectory,
                        ["ConnectionStrings:mlflow"] = endpoints[resource.Name]["http"].GetLeftPart(UriPartial.Authority),
                    }, StartupChecks.ResolveReplayFile(null), null, stop.Token);
                }
                foreach (var (portName, uri) in endpoints[resource.Name])
                {
                    var label = resource.PortLabels.GetValueOrDefault(portName, portName);
                    Console.WriteLine($"  {resource.Name,-17} {label,-22} {uri}");
                }
            }

            Console.WriteLine("FraudDetection is running (containers). Press Ctrl+C to stop and remove the containers.");
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, CancellationToken.None);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        catch (DockerUnavailableException e)
        {
            throw new AppHostConfigurationException($"containers mode needs a running Docker engine: {e.Message.Split('\n')[0]}", e);
        }
        finally
        {
            Console.WriteLine("stopping…");
            for (var i = processes.Count - 1; i >= 0; i--)
            {
                await processes[i].DisposeAsync();
            }
            for (var i = containers.Count - 1; i >= 0; i--)
            {
                await containers[i].DisposeAsync();
            }
            if (network is not null)
            {
                await network.DisposeAsync();
            }
        }
    }

    private static IContainer BuildContainer(ResourceDefinition resource, INetwork network, string repoRoot, string generated)
    {
        if (resource.Name == ContainerTopology.Kafka)
        {
            return new KafkaBuilder(resource.Image!).WithNetwork(network).WithNetworkAliases(resource.NetworkAlias!).Build();
        }
        var builder = new ContainerBuilder(resource.Image!)
            .WithNetwork(network)
            .WithNetworkAliases(resource.NetworkAlias ?? resource.Name)
            // Prometheus scrapes the services, which run on the host.
            .WithExtraHost("host.docker.internal", "host-gateway")
            .WithEnvironment(resource.Environment.ToDictionary(e => e.Key, e => e.Value));
        foreach (var port in resource.Ports)
        {
            builder = builder.WithPortBinding(port.TargetPort, assignRandomHostPort: true);
        }
        foreach (var mount in resource.Mounts)
        {
            var source = mount.Source.Replace("{repo}", repoRoot, StringComparison.Ordinal).Replace("{generated}", generated, StringComparison.Ordinal);
            builder = builder.WithBindMount(source, mount.Target, DotNet.Testcontainers.Configurations.AccessMode.ReadOnly);
        }
        if (resource.Command.Count > 0)
        {
            builder = builder.WithCommand([.. resource.Command]);
        }
        return builder.Build();
    }

    private static string Endpoint(Dictionary<string, Dictionary<string, Uri>> endpoints, string resource, string port, bool hostPortOnly)
    {
        if (!endpoints.TryGetValue(resource, out var ports) || !ports.TryGetValue(port, out var uri))
        {
            throw new InvalidOperationException($"'{resource}.{port}' is referenced before it started");
        }
        return hostPortOnly ? $"{uri.Host}:{uri.Port}" : uri.GetLeftPart(UriPartial.Authority);
    }

    private static async Task WaitHealthyAsync(HttpClient http, ResourceDefinition resource, Dictionary<string, Uri> ports,
        List<ServiceProcess> processes, CancellationToken cancellationToken)
    {
        if (resource.HealthPath is null)
        {
            return;
        }
        var baseUri = ports[resource.HealthPort ?? resource.Ports[0].Name];
        var url = new Uri(baseUri, resource.HealthPath);
        var deadline = DateTimeOffset.UtcNow + HealthTimeout;
        while (true)
        {
            if (processes.FirstOrDefault(p => p.Name == resource.Name) is { HasExited: true })
            {
                throw new AppHostConfigurationException($"{resource.Name} exited while starting (see its output above)");
            }
            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new AppHostConfigurationException($"{resource.Name} did not become healthy at {url} within {HealthTimeout.TotalMinutes:0} minutes");
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Prometheus runs in a container and scrapes the services on the host through host.docker.internal.</summary>
    internal static void WritePrometheusConfig(string path, IReadOnlyDictionary<string, Dictionary<string, Uri>> endpoints)
    {
        var yaml = new StringBuilder("""
            global:
              scrape_interval: 5s
              evaluation_interval: 5s
            scrape_configs:

            """);
        foreach (var service in ContainerTopology.ServiceNames.Where(endpoints.ContainsKey))
        {
            var uri = endpoints[service]["http"];
            yaml.Append(CultureInfo.InvariantCulture, $"""
                  - job_name: {service}
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["host.docker.internal:{uri.Port}"]
                        labels:
                          service: {service}

                """);
        }
        File.WriteAllText(path, yaml.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string? FindSolutionRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FraudDetection.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
