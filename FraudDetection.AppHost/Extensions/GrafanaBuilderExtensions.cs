namespace Aspire.Hosting;

/// <summary>Grafana as a container, provisioned with the datasources and dashboards of <c>deploy/grafana</c>.</summary>
public sealed class GrafanaResource(string name) : ContainerResource(name), IResourceWithServiceDiscovery
{
    public const string HttpEndpointName = "http";
}

public static class GrafanaBuilderExtensions
{
    public const string Image = "grafana/grafana";
    public const string Tag = "12.2.1";
    public const string Neo4jPlugin = "kniepdennis-neo4j-datasource";

    /// <summary>
    /// Adds Grafana (anonymous admin, for a local run) with <c>deploy/grafana/provisioning</c> and its dashboards mounted,
    /// the Neo4j datasource plugin installed, and the Prometheus and Neo4j datasources pointed at the given resources over
    /// the container network. Healthy once <c>/api/health</c> answers.
    /// </summary>
    public static IResourceBuilder<GrafanaResource> AddGrafana(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        string provisioningFolder, IResourceBuilder<PrometheusContainerResource> prometheus, IResourceBuilder<Neo4jResource> neo4j) =>
        builder.AddResource(new GrafanaResource(name))
            .WithImage(Image, Tag)
            .WithHttpEndpoint(targetPort: 3000, name: GrafanaResource.HttpEndpointName)
            .WithBindMount(Path.Combine(provisioningFolder, "provisioning"), "/etc/grafana/provisioning", isReadOnly: true)
            .WithBindMount(Path.Combine(provisioningFolder, "dashboards"), "/var/lib/grafana/dashboards", isReadOnly: true)
            .WithEnvironment("GF_AUTH_ANONYMOUS_ENABLED", "true")
            .WithEnvironment("GF_AUTH_ANONYMOUS_ORG_ROLE", "Admin")
            .WithEnvironment("GF_INSTALL_PLUGINS", Neo4jPlugin)
            .WithEnvironment("PROMETHEUS_URL", $"http://{prometheus.Resource.Name}:9090")
            .WithEnvironment("NEO4J_URL", $"bolt://{neo4j.Resource.Name}:7687")
            .WithEnvironment("NEO4J_USER", Neo4jResource.UserName)
            .WithEnvironment("NEO4J_PASSWORD", neo4j.Resource.Password)
            .WithHttpHealthCheck("/api/health")
            .WaitFor(prometheus)
            .WaitFor(neo4j);
}
