namespace Aspire.Hosting;

/// <summary>An MLflow tracking server and model registry as a container; its connection string is its base URL.</summary>
public sealed class MlflowResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string HttpEndpointName = "http";

    public EndpointReference HttpEndpoint => new(this, HttpEndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{HttpEndpoint.Property(EndpointProperty.Url)}");
}

public static class MlflowBuilderExtensions
{
    public const string Image = "ghcr.io/mlflow/mlflow";
    public const string Tag = "v3.6.0";

    /// <summary>Adds an MLflow server (SQLite backend, artifacts served by the server itself), healthy once <c>/health</c> answers.</summary>
    public static IResourceBuilder<MlflowResource> AddMlflow(this IDistributedApplicationBuilder builder, [ResourceName] string name) =>
        builder.AddResource(new MlflowResource(name))
            .WithImage(Image, Tag)
            .WithHttpEndpoint(targetPort: 5000, name: MlflowResource.HttpEndpointName)
            .WithArgs("mlflow", "server", "--host", "0.0.0.0", "--port", "5000",
                "--backend-store-uri", "sqlite:////mlflow/mlflow.db",
                "--serve-artifacts", "--artifacts-destination", "/mlflow/artifacts",
                // The services call it through a mapped host port; MLflow 3.5+ checks the Host header.
                "--allowed-hosts", "*")
            .WithVolume($"{name}-data", "/mlflow")
            .WithHttpHealthCheck("/health");
}
