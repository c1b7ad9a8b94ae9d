namespace Aspire.Hosting;

/// <summary>Neo4j 5 as a container, reached over its HTTP Query API; connection string in the graph service's format.</summary>
public sealed class Neo4jResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public const string HttpEndpointName = "http";
    public const string BoltEndpointName = "bolt";
    public const string UserName = "neo4j";

    public ParameterResource Password { get; } = password;

    public EndpointReference HttpEndpoint => new(this, HttpEndpointName);

    /// <summary><c>Endpoint=http://…;Username=neo4j;Password=…;Database=neo4j</c> (what <c>ConnectionStrings__neo4j</c> holds).</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"Endpoint={HttpEndpoint.Property(EndpointProperty.Url)};Username={UserName};Password={Password};Database=neo4j");
}

public static class Neo4jBuilderExtensions
{
    public const string Image = "neo4j";
    public const string Tag = "5.26.12";

    /// <summary>
    /// Adds Neo4j 5 with the HTTP Query API enabled (<c>POST /db/{db}/query/v2</c>, what the graph service writes with),
    /// a generated password (parameter <c>{name}-password</c>), healthy once its HTTP endpoint answers.
    /// </summary>
    public static IResourceBuilder<Neo4jResource> AddNeo4j(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var resource = new Neo4jResource(name, password);
        return builder.AddResource(resource)
            .WithImage(Image, Tag)
            .WithHttpEndpoint(targetPort: 7474, name: Neo4jResource.HttpEndpointName)
            .WithEndpoint(targetPort: 7687, name: Neo4jResource.BoltEndpointName, scheme: "bolt")
            .WithEnvironment(context => context.EnvironmentVariables["NEO4J_AUTH"] = ReferenceExpression.Create($"{Neo4jResource.UserName}/{password}"))
            .WithEnvironment("NEO4J_server_http__enabled__modules", "TRANSACTIONAL_ENDPOINTS,UNMANAGED_EXTENSIONS,BROWSER,QUERY_API_ENDPOINTS")
            .WithHttpHealthCheck("/", endpointName: Neo4jResource.HttpEndpointName);
    }
}
