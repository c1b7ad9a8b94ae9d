using System.Globalization;
using System.Text;
using FraudDetection.AppHost.Hosting;

namespace Aspire.Hosting;

/// <summary>Debian's <c>prometheus</c> run as a process, scraping every service's <c>/metrics</c>.</summary>
public sealed class PrometheusResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithServiceDiscovery
{
    public const string HttpEndpointName = "http";
}

/// <summary>Prometheus as a container (containers mode), scraping the services on the host.</summary>
public sealed class PrometheusContainerResource(string name) : ContainerResource(name), IResourceWithServiceDiscovery
{
    public const string HttpEndpointName = "http";
}

public static class PrometheusBuilderExtensions
{
    public const int DefaultPort = 9090;
    public const string DefaultExecutable = "/usr/bin/prometheus";
    public const string Image = "prom/prometheus";
    public const string Tag = "v3.7.3";
    public const string ScrapeInterval = "15s";

    /// <summary>
    /// Adds Debian's <c>prometheus</c> on 127.0.0.1:<paramref name="port"/> with a scrape configuration of every
    /// target's <c>/metrics</c>, generated at start from their allocated addresses into
    /// <c>{dataDirectory}/prometheus/prometheus.yml</c>; its samples are kept under <c>{dataDirectory}/prometheus/data</c>.
    /// Returns null, with one console line, when <c>prometheus</c> is not installed.
    /// </summary>
    public static IResourceBuilder<PrometheusResource>? AddPrometheusServer(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        string dataDirectory, IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> targets, int port = DefaultPort)
    {
        var executable = FindExecutable();
        if (executable is null)
        {
            Console.WriteLine($"{name}: not installed ({DefaultExecutable}; apt-get install prometheus), so not started; every service still serves /metrics");
            return null;
        }
        var folder = Directory.CreateDirectory(Path.Combine(dataDirectory, "prometheus")).FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        var resource = new PrometheusResource(name, executable, folder);
        var endpoint = new EndpointReference(resource, PrometheusResource.HttpEndpointName);
        var prometheus = builder.AddResource(resource)
            .WithHttpEndpoint(port: port, name: PrometheusResource.HttpEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add($"--config.file={config}");
                context.Args.Add($"--storage.tsdb.path={Path.Combine(folder, "data")}");
                context.Args.Add(ReferenceExpression.Create($"--web.listen-address=127.0.0.1:{endpoint.Property(EndpointProperty.TargetPort)}"));
            })
            .WithHttpHealthCheck("/-/ready");
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, _) =>
        {
            File.WriteAllText(config, ScrapeConfig(targets.Select(t => (t.Resource.Name, Address(t, "127.0.0.1")))));
            return Task.CompletedTask;
        });
        return prometheus;
    }

    /// <summary>
    /// Adds Prometheus as a container (containers mode) on <paramref name="port"/>, scraping the targets (processes on the
    /// host) through <c>host.docker.internal</c>; the configuration is generated at start as for <see cref="AddPrometheusServer"/>.
    /// </summary>
    public static IResourceBuilder<PrometheusContainerResource> AddPrometheus(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        string dataDirectory, IReadOnlyList<IResourceBuilder<IResourceWithEndpoints>> targets, int port = DefaultPort)
    {
        var folder = Path.Combine(dataDirectory, "prometheus");
        var config = Path.Combine(folder, "prometheus.yml");
        Directory.CreateDirectory(folder);
        var resource = new PrometheusContainerResource(name);
        var prometheus = builder.AddResource(resource)
            .WithImage(Image, Tag)
            .WithHttpEndpoint(port: port, targetPort: 9090, name: PrometheusContainerResource.HttpEndpointName)
            .WithBindMount(folder, "/etc/prometheus", isReadOnly: true)
            .WithContainerRuntimeArgs("--add-host=host.docker.internal:host-gateway")
            .WithHttpHealthCheck("/-/ready");
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, _) =>
        {
            File.WriteAllText(config, ScrapeConfig(targets.Select(t => (t.Resource.Name, Address(t, "host.docker.internal")))));
            return Task.CompletedTask;
        });
        return prometheus;
    }

    /// <summary>Debian's prometheus, or one on the PATH.</summary>
    public static string? FindExecutable()
    {
        if (File.Exists(DefaultExecutable))
        {
            return DefaultExecutable;
        }
        return ExecutableSearch.OnPath("prometheus");
    }

    /// <summary>One job per service, named after it, scraping <c>/metrics</c> every <see cref="ScrapeInterval"/>.</summary>
    public static string ScrapeConfig(IEnumerable<(string Job, string Address)> targets)
    {
        var yaml = new StringBuilder($"""
            # Generated by the FraudDetection app host at start: every service's /metrics.
            global:
              scrape_interval: {ScrapeInterval}
              evaluation_interval: {ScrapeInterval}
            scrape_configs:

            """);
        foreach (var (job, address) in targets)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"""
                  - job_name: {job}
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["{address}"]
                        labels:
                          service: {job}

                """);
        }
        return yaml.ToString();
    }

    /// <summary>host:port of a target's allocated http endpoint.</summary>
    private static string Address(IResourceBuilder<IResourceWithEndpoints> target, string host) =>
        string.Create(CultureInfo.InvariantCulture, $"{host}:{target.GetEndpoint("http").Port}");
}
