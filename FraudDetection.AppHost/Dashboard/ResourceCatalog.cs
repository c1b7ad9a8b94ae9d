namespace FraudDetection.AppHost.Dashboard;

public enum ResourceKind { Infrastructure, Service }

/// <summary>
/// One resource on the page: which health checks, routes and log categories belong to it.
/// Matching is by prefix so that the services' own registrations are shown without the AppHost knowing them all.
/// </summary>
public sealed class ResourceEntry(
    string name,
    ResourceKind kind,
    string description,
    IReadOnlyList<string> healthCheckPrefixes,
    IReadOnlyList<string> routePrefixes,
    IReadOnlyList<string> logCategoryPrefixes)
{
    private volatile string _state = "Starting";

    public string Name { get; } = name;
    public ResourceKind Kind { get; } = kind;
    public string Description { get; } = description;
    public IReadOnlyList<string> HealthCheckPrefixes { get; } = healthCheckPrefixes;
    public IReadOnlyList<string> RoutePrefixes { get; } = routePrefixes;
    public IReadOnlyList<string> LogCategoryPrefixes { get; } = logCategoryPrefixes;

    /// <summary>Extra endpoints that are not routes of this host (e.g. the broker's bootstrap address).</summary>
    public List<string> ExtraEndpoints { get; } = [];

    /// <summary>Life-cycle state: Starting, Running, Training starter model, Stopped, Failed: ….</summary>
    public string State { get => _state; set => _state = value; }
}

/// <summary>Every resource of the embedded system, in the order the page lists them.</summary>
public sealed class ResourceCatalog
{
    public const string Kafka = "kafka";
    public const string ModelRegistry = "model-registry";
    public const string Producer = "producer";
    public const string Scoring = "scoring";
    public const string GraphSink = "graph-sink";
    public const string Notifier = "notifier";
    public const string Training = "training";
    public const string AppHost = "apphost";

    public ResourceCatalog()
    {
        Resources =
        [
            new(Kafka, ResourceKind.Infrastructure, "Embedded Kafka broker (librdkafka mock cluster, in memory)",
                ["kafka-broker"], [], ["FraudDetection.Core.Kafka"]),
            new(ModelRegistry, ResourceKind.Infrastructure, "Model registry and MLflow-format run store under the data directory",
                ["model-registry", "registry", "mlflow"], [], ["FraudDetection.Core.Registry", "FraudDetection.AppHost.Embedded.StarterModel"]),
            new(Producer, ResourceKind.Service, "Replays the sample into 'transactions' (key = cc_num)",
                ["kafka-producer", "producer"], ["/api/producer"], ["FraudDetection.Producer"]),
            new(Scoring, ResourceKind.Service, "Online features + ONNX champion → scored, alerts, dead letters",
                ["scoring"], ["/api/score", "/api/scoring"], ["FraudDetection.Scoring"]),
            new(GraphSink, ResourceKind.Service, "Scored transactions → graph of cards and merchants (embedded SQLite)",
                ["graph"], ["/api/graph"], ["FraudDetection.Scoring.Graph"]),
            new(Notifier, ResourceKind.Service, "Alerts → KakaoTalk message (dry-run outbox without credentials)",
                ["notifier", "kakao", "webhook"], ["/api/notifications"], ["FraudDetection.Notifier"]),
            new(Training, ResourceKind.Service, "Training, promotion, schedule, model dictionary",
                ["training"], ["/api/training", "/models"], ["FraudDetection.Training"]),
            new(AppHost, ResourceKind.Service, "This page, /health, /alive and /metrics",
                ["self", "apphost"], ["/health", "/alive", "/metrics", "/api/apphost"], ["FraudDetection.AppHost", "Microsoft"]),
        ];
    }

    public IReadOnlyList<ResourceEntry> Resources { get; }

    public ResourceEntry this[string name] => Resources.First(r => r.Name == name);

    /// <summary>The resource a health check belongs to (longest matching prefix wins); the AppHost gets the rest.</summary>
    public ResourceEntry ForHealthCheck(string checkName) => BestMatch(checkName, r => r.HealthCheckPrefixes) ?? this[AppHost];

    /// <summary>The resource a route belongs to, or null when none claims it.</summary>
    public ResourceEntry? ForRoute(string route) => BestMatch(route, r => r.RoutePrefixes);

    /// <summary>The resource a log category belongs to; the AppHost gets the rest.</summary>
    public ResourceEntry ForLogCategory(string category) => BestMatch(category, r => r.LogCategoryPrefixes) ?? this[AppHost];

    private ResourceEntry? BestMatch(string value, Func<ResourceEntry, IReadOnlyList<string>> prefixes)
    {
        ResourceEntry? best = null;
        var bestLength = -1;
        foreach (var resource in Resources)
        {
            foreach (var prefix in prefixes(resource))
            {
                if (value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && prefix.Length > bestLength)
                {
                    best = resource;
                    bestLength = prefix.Length;
                }
            }
        }
        return best;
    }
}
