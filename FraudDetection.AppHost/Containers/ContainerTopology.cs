using System.Text.RegularExpressions;

namespace FraudDetection.AppHost.Containers;

/// <summary>The containers-mode topology: infrastructure containers, then the services as processes, in wait order.</summary>
public static partial class ContainerTopology
{
    public const string KafkaImage = "confluentinc/cp-kafka:7.9.0";
    public const string Neo4jImage = "neo4j:5.26.12";
    public const string MlflowImage = "ghcr.io/mlflow/mlflow:v3.6.0";
    public const string PrometheusImage = "prom/prometheus:v3.7.3";
    public const string GrafanaImage = "grafana/grafana:12.2.1";
    public const string AspireDashboardImage = "mcr.microsoft.com/dotnet/aspire-dashboard:9.5";

    public const string Kafka = "kafka";
    public const string Neo4j = "neo4j";
    public const string Mlflow = "mlflow";
    public const string Prometheus = "prometheus";
    public const string Grafana = "grafana";
    public const string AspireDashboard = "aspire-dashboard";
    public const string Producer = "producer";
    public const string Scoring = "scoring";
    public const string Notifier = "notifier";
    public const string Training = "training";

    /// <summary>Development-only Neo4j password (the containers are local and removed on exit).</summary>
    public const string Neo4jPassword = "frauddetection-dev";

    /// <summary>The Aspire-style variables every service gets (the same keys deploy/compose.yaml and deploy/k8s set).</summary>
    public static readonly IReadOnlyList<string> ServiceEnvironmentKeys =
    [
        "ConnectionStrings__kafka",
        "ConnectionStrings__neo4j",
        "ConnectionStrings__mlflow",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "FraudDetection__DataDirectory",
    ];

    public static IReadOnlyList<string> ServiceNames { get; } = [Training, Scoring, Notifier, Producer];

    private static readonly string[] Infrastructure = [Kafka, Neo4j, Mlflow, AspireDashboard];

    /// <summary>Every resource; <paramref name="options"/> gives the replay rate/loop and the data directory.</summary>
    public static IReadOnlyList<ResourceDefinition> Create(AppHostOptions options, string replayFile)
    {
        var resources = new List<ResourceDefinition>
        {
            new()
            {
                Name = Kafka, Type = ResourceType.Container, Image = KafkaImage, NetworkAlias = Kafka,
                Ports = [new("broker", 9092, "kafka")],
                PortLabels = new Dictionary<string, string> { ["broker"] = "bootstrap" },
            },
            new()
            {
                Name = Neo4j, Type = ResourceType.Container, Image = Neo4jImage, NetworkAlias = Neo4j,
                Ports = [new("http", 7474), new("bolt", 7687, "bolt")],
                Environment = new Dictionary<string, string>
                {
                    ["NEO4J_AUTH"] = $"neo4j/{Neo4jPassword}",
                    // The HTTP Query API (POST /db/{db}/query/v2) is what the graph sink talks to.
                    ["NEO4J_server_http__enabled__modules"] = "TRANSACTIONAL_ENDPOINTS,UNMANAGED_EXTENSIONS,BROWSER,QUERY_API_ENDPOINTS",
                },
                HealthPath = "/", PortLabels = new Dictionary<string, string> { ["http"] = "browser + Query API" },
            },
            new()
            {
                Name = Mlflow, Type = ResourceType.Container, Image = MlflowImage, NetworkAlias = Mlflow,
                Ports = [new("http", 5000)],
                Command =
                [
                    "mlflow", "server", "--host", "0.0.0.0", "--port", "5000",
                    "--backend-store-uri", "sqlite:////mlflow/mlflow.db",
                    "--serve-artifacts", "--artifacts-destination", "/mlflow/artifacts",
                    // The services call it through a mapped host port; MLflow 3.5+ checks the Host header.
                    "--allowed-hosts", "*",
                ],
                HealthPath = "/health", PortLabels = new Dictionary<string, string> { ["http"] = "UI + REST" },
            },
            new()
            {
                Name = AspireDashboard, Type = ResourceType.Container, Image = AspireDashboardImage, NetworkAlias = AspireDashboard,
                Ports = [new("ui", 18888), new("otlp", 18889, "http")],
                Environment = new Dictionary<string, string>
                {
                    ["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true",
                },
                HealthPath = "/", HealthPort = "ui",
                PortLabels = new Dictionary<string, string> { ["ui"] = "traces, logs, metrics", ["otlp"] = "OTLP/gRPC" },
            },
        };

        foreach (var service in ServiceNames)
        {
            resources.Add(ServiceProcess(service, options, replayFile));
        }

        resources.Add(new()
        {
            Name = Prometheus, Type = ResourceType.Container, Image = PrometheusImage, NetworkAlias = Prometheus,
            Ports = [new("http", 9090)],
            // The scrape file is written at start with the services' host ports (deploy/prometheus holds the compose one).
            Mounts = [new("{generated}/prometheus.yml", "/etc/prometheus/prometheus.yml")],
            DependsOn = [.. ServiceNames],
            HealthPath = "/-/ready",
        });
        resources.Add(new()
        {
            Name = Grafana, Type = ResourceType.Container, Image = GrafanaImage, NetworkAlias = Grafana,
            Ports = [new("http", 3000)],
            Environment = new Dictionary<string, string>
            {
                ["GF_AUTH_ANONYMOUS_ENABLED"] = "true",
                ["GF_AUTH_ANONYMOUS_ORG_ROLE"] = "Admin",
                ["GF_INSTALL_PLUGINS"] = "kniepdennis-neo4j-datasource",
                ["NEO4J_URL"] = "bolt://neo4j:7687",
                ["NEO4J_USER"] = "neo4j",
                ["NEO4J_PASSWORD"] = Neo4jPassword,
                ["PROMETHEUS_URL"] = "http://prometheus:9090",
            },
            Mounts =
            [
                new("{repo}/deploy/grafana/provisioning", "/etc/grafana/provisioning"),
                new("{repo}/deploy/grafana/dashboards", "/var/lib/grafana/dashboards"),
            ],
            DependsOn = [Prometheus, Neo4j],
            HealthPath = "/api/health",
        });
        return resources;
    }

    private static ResourceDefinition ServiceProcess(string service, AppHostOptions options, string replayFile)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__kafka"] = "{kafka.broker.hostport}",
            ["ConnectionStrings__neo4j"] = $"Endpoint={{neo4j.http}};Username=neo4j;Password={Neo4jPassword};Database=neo4j",
            ["ConnectionStrings__mlflow"] = "{mlflow.http}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "{aspire-dashboard.otlp}",
            ["OTEL_SERVICE_NAME"] = service,
            ["FraudDetection__DataDirectory"] = Path.Combine(options.DataDirectory, service),
            ["ASPNETCORE_URLS"] = "{self.http}",
        };
        if (service == Producer)
        {
            environment["Producer__File"] = replayFile;
            environment["Producer__Rate"] = options.RateSetting;
            environment["Producer__Loop"] = options.Loop ? "true" : "false";
        }
        return new ResourceDefinition
        {
            Name = service,
            Type = ResourceType.Project,
            Project = "FraudDetection." + char.ToUpperInvariant(service[0]) + service[1..],
            Ports = [new("http", 0)],
            Environment = environment,
            // Every service gets every connection (the Aspire way), so it starts after all of them;
            // Scoring also waits for Training (the starter champion) and the Producer for Scoring.
            DependsOn = service switch
            {
                Scoring => [.. Infrastructure, Training],
                Producer => [.. Infrastructure, Scoring],
                _ => Infrastructure,
            },
            HealthPath = "/health",
        };
    }

    /// <summary>
    /// The start order: every resource after all it depends on (Kahn's algorithm, ties kept in definition order).
    /// Throws on an unknown dependency or a cycle.
    /// </summary>
    public static IReadOnlyList<ResourceDefinition> WaitOrder(IReadOnlyList<ResourceDefinition> resources)
    {
        var byName = resources.ToDictionary(r => r.Name);
        foreach (var r in resources)
        {
            foreach (var d in r.DependsOn.Where(d => !byName.ContainsKey(d)))
            {
                throw new InvalidOperationException($"resource '{r.Name}' depends on unknown resource '{d}'");
            }
        }
        var ordered = new List<ResourceDefinition>();
        var done = new HashSet<string>();
        while (ordered.Count < resources.Count)
        {
            var next = resources.FirstOrDefault(r => !done.Contains(r.Name) && r.DependsOn.All(done.Contains))
                ?? throw new InvalidOperationException("the resources' dependencies form a cycle: " +
                    string.Join(", ", resources.Where(r => !done.Contains(r.Name)).Select(r => r.Name)));
            ordered.Add(next);
            done.Add(next.Name);
        }
        return ordered;
    }

    /// <summary>The resources an environment value refers to (<c>{name.port}</c> references).</summary>
    public static IEnumerable<string> References(string value) =>
        ReferencePattern().Matches(value).Select(m => m.Groups["resource"].Value).Where(r => r is not "self" and not "repo" and not "generated").Distinct();

    /// <summary>Replaces every <c>{resource.port}</c> / <c>{resource.port.hostport}</c> through <paramref name="resolve"/>.</summary>
    public static string Resolve(string value, Func<string, string, bool, string> resolve) =>
        ReferencePattern().Replace(value, m => resolve(m.Groups["resource"].Value, m.Groups["port"].Value, m.Groups["hostport"].Success));

    [GeneratedRegex(@"\{(?<resource>[a-z][a-z0-9-]*)\.(?<port>[a-z][a-z0-9-]*)(?<hostport>\.hostport)?\}")]
    private static partial Regex ReferencePattern();
}
