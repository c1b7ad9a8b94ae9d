namespace FraudDetection.AppHost.Containers;

public enum ResourceType
{
    /// <summary>A container image started through Testcontainers.</summary>
    Container,

    /// <summary>One of our services, started as its own <c>dotnet</c> process.</summary>
    Project,
}

/// <summary>A port a resource listens on inside its container (or process); <see cref="Name"/> is what references use.</summary>
public sealed record PortDefinition(string Name, int TargetPort, string Scheme = "http");

/// <summary>A file or folder of the repository mounted read-only into a container.</summary>
public sealed record MountDefinition(string Source, string Target);

/// <summary>
/// One resource of the containers topology, as plain data so that its image, ports, environment and wait order
/// can be checked without Docker. Environment values may hold references <c>{resource.port}</c> (the host URL of
/// that port once the resource runs) or <c>{resource.port.hostport}</c> (host:port only), resolved at start.
/// </summary>
public sealed record ResourceDefinition
{
    public required string Name { get; init; }
    public required ResourceType Type { get; init; }

    /// <summary>Container image with tag (containers only).</summary>
    public string? Image { get; init; }

    /// <summary>Project folder name, e.g. <c>FraudDetection.Scoring</c> (projects only).</summary>
    public string? Project { get; init; }

    public IReadOnlyList<PortDefinition> Ports { get; init; } = [];
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    /// <summary>Container command (replaces the image's CMD) when not empty.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    public IReadOnlyList<MountDefinition> Mounts { get; init; } = [];

    /// <summary>Network alias other containers reach this one by.</summary>
    public string? NetworkAlias { get; init; }

    /// <summary>HTTP path answering 200 when ready (on the first port), or null to wait for the port only.</summary>
    public string? HealthPath { get; init; }

    /// <summary>The port <see cref="HealthPath"/> is served on; the first port when null.</summary>
    public string? HealthPort { get; init; }

    /// <summary>What the printed URL list calls each port (e.g. "UI").</summary>
    public IReadOnlyDictionary<string, string> PortLabels { get; init; } = new Dictionary<string, string>();
}
