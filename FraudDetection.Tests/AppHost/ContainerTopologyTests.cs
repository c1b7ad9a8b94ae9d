using FraudDetection.AppHost.Containers;
using FraudDetection.AppHost.Options;

namespace FraudDetection.Tests.AppHost;

/// <summary>Containers mode as plain data: images, ports, environment and wait order, checked without Docker.</summary>
public sealed class ContainerTopologyTests
{
    private static readonly AppHostOptions Options = new() { Containers = true, Rate = 120, Loop = true, DataDirectory = "/tmp/fd-data" };
    private static readonly IReadOnlyList<ResourceDefinition> Resources = ContainerTopology.Create(Options, "/repo/data/sample.csv.gz");

    private static ResourceDefinition R(string name) => Resources.Single(r => r.Name == name);

    [Fact]
    public void Infrastructure_runs_the_expected_images()
    {
        R("kafka").Image.Should().StartWith("confluentinc/cp-kafka:");
        R("neo4j").Image.Should().StartWith("neo4j:5.");
        R("mlflow").Image.Should().StartWith("ghcr.io/mlflow/mlflow:");
        R("prometheus").Image.Should().StartWith("prom/prometheus:");
        R("grafana").Image.Should().StartWith("grafana/grafana:");
        R("aspire-dashboard").Image.Should().StartWith("mcr.microsoft.com/dotnet/aspire-dashboard:");
        Resources.Where(r => r.Type == ResourceType.Container).Should().OnlyContain(r => r.Image!.Contains(':') && !r.Image.EndsWith(":latest"),
            "images are pinned");
    }

    [Fact]
    public void Every_service_is_a_project_process_with_a_health_endpoint()
    {
        var services = Resources.Where(r => r.Type == ResourceType.Project).ToList();
        services.Select(s => s.Name).Should().BeEquivalentTo(["producer", "scoring", "notifier", "training"]);
        services.Should().OnlyContain(s => s.HealthPath == "/health" && s.Image == null);
        services.Select(s => s.Project).Should().BeEquivalentTo(
            ["FraudDetection.Producer", "FraudDetection.Scoring", "FraudDetection.Notifier", "FraudDetection.Training"]);
        foreach (var s in services)
        {
            File.Exists(Path.Combine(AppHostPaths.Root, s.Project!, s.Project + ".csproj")).Should().BeTrue($"{s.Project} is a project of the solution");
        }
    }

    [Fact]
    public void Ports_are_the_ones_each_image_listens_on()
    {
        R("kafka").Ports.Select(p => p.TargetPort).Should().Equal(9092);
        R("neo4j").Ports.Select(p => p.TargetPort).Should().BeEquivalentTo([7474, 7687]);
        R("mlflow").Ports.Select(p => p.TargetPort).Should().Equal(5000);
        R("prometheus").Ports.Select(p => p.TargetPort).Should().Equal(9090);
        R("grafana").Ports.Select(p => p.TargetPort).Should().Equal(3000);
        R("aspire-dashboard").Ports.Should().Contain(p => p.Name == "ui" && p.TargetPort == 18888)
            .And.Contain(p => p.Name == "otlp" && p.TargetPort == 18889);
    }

    [Fact]
    public void Services_get_the_Aspire_style_environment_pointing_at_their_dependencies()
    {
        foreach (var service in Resources.Where(r => r.Type == ResourceType.Project))
        {
            service.Environment.Keys.Should().Contain(ContainerTopology.ServiceEnvironmentKeys);
            service.Environment["OTEL_SERVICE_NAME"].Should().Be(service.Name);
            service.Environment["ConnectionStrings__kafka"].Should().Be("{kafka.broker.hostport}");
            service.Environment["ConnectionStrings__mlflow"].Should().Be("{mlflow.http}");
            service.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"].Should().Be("{aspire-dashboard.otlp}");
            service.Environment["ConnectionStrings__neo4j"].Should().Contain("{neo4j.http}").And.Contain("Username=neo4j");
            service.Environment["FraudDetection__DataDirectory"].Should().StartWith("/tmp/fd-data");
        }
        R("producer").Environment["Producer__Rate"].Should().Be("120");
        R("producer").Environment["Producer__Loop"].Should().Be("true");
        R("producer").Environment["Producer__File"].Should().Be("/repo/data/sample.csv.gz");
        R("neo4j").Environment["NEO4J_server_http__enabled__modules"].Should().Contain("QUERY_API_ENDPOINTS");
        R("mlflow").Command.Should().Contain("--serve-artifacts");
        R("aspire-dashboard").Environment["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"].Should().Be("true");
        R("grafana").Mounts.Select(m => m.Target).Should().Contain("/etc/grafana/provisioning");
    }

    [Fact]
    public void Every_referenced_resource_is_a_declared_dependency()
    {
        foreach (var resource in Resources)
        {
            var referenced = resource.Environment.Values.SelectMany(ContainerTopology.References).ToList();
            if (referenced.Count == 0)
            {
                continue;
            }
            resource.DependsOn.Should().Contain(referenced, $"{resource.Name} reads their endpoints, so it must start after them");
        }
    }

    [Fact]
    public void Wait_order_starts_each_resource_after_all_it_depends_on()
    {
        var order = ContainerTopology.WaitOrder(Resources).Select(r => r.Name).ToList();

        order.Should().HaveCount(Resources.Count).And.OnlyHaveUniqueItems();
        foreach (var resource in Resources)
        {
            foreach (var dependency in resource.DependsOn)
            {
                order.IndexOf(dependency).Should().BeLessThan(order.IndexOf(resource.Name), $"{resource.Name} waits for {dependency}");
            }
        }
        order.IndexOf("training").Should().BeLessThan(order.IndexOf("scoring"), "Scoring loads the champion that Training registers");
        order.IndexOf("scoring").Should().BeLessThan(order.IndexOf("producer"), "nothing is produced before Scoring consumes");
        order.Last().Should().Be("grafana");
    }

    [Fact]
    public void Wait_order_refuses_a_cycle_and_an_unknown_dependency()
    {
        ResourceDefinition a = new() { Name = "a", Type = ResourceType.Container, Image = "x:1", DependsOn = ["b"] };
        ResourceDefinition b = new() { Name = "b", Type = ResourceType.Container, Image = "x:1", DependsOn = ["a"] };
        ResourceDefinition c = new() { Name = "c", Type = ResourceType.Container, Image = "x:1", DependsOn = ["nowhere"] };

        FluentActions.Invoking(() => ContainerTopology.WaitOrder([a, b])).Should().Throw<InvalidOperationException>().WithMessage("*cycle*");
        FluentActions.Invoking(() => ContainerTopology.WaitOrder([c])).Should().Throw<InvalidOperationException>().WithMessage("*nowhere*");
    }

    [Fact]
    public void References_resolve_to_host_urls_or_host_ports()
    {
        var resolved = ContainerTopology.Resolve("Endpoint={neo4j.http};x={kafka.broker.hostport}",
            (resource, port, hostPort) => hostPort ? $"{resource}-{port}:1" : $"http://{resource}-{port}:2");

        resolved.Should().Be("Endpoint=http://neo4j-http:2;x=kafka-broker:1");
    }

    [Fact]
    public void Services_run_from_their_build_output_in_the_same_configuration()
    {
        var (fileName, arguments) = ServiceProcess.Command("FraudDetection.Scoring", AppHostPaths.Root);

        fileName.Should().Be("dotnet");
        arguments.Should().ContainSingle().Which.Should().Be(
            Path.Combine(AppHostPaths.Root, "FraudDetection.Scoring", "bin", AppHostPaths.Configuration, "net10.0", "FraudDetection.Scoring.dll"));
        File.Exists(arguments[0]).Should().BeTrue();

        var (_, fallback) = ServiceProcess.Command("FraudDetection.NotBuilt", AppHostPaths.Root);
        fallback.Should().StartWith(["run", "--no-launch-profile", "--project"]);
    }
}
