namespace FraudDetection.Core.Registry.Mlflow;

/// <summary>Reads <c>ConnectionStrings:mlflow</c>: a URL (<c>http://localhost:5000</c>) or the Aspire form <c>Endpoint=http://...</c>.</summary>
public static class MlflowConnection
{
    public const string ConnectionStringName = "mlflow";

    public static Uri? Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return null;
        }

        var text = connectionString.Trim();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("Endpoint=", StringComparison.OrdinalIgnoreCase))
            {
                text = part["Endpoint=".Length..];
            }
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} must be an http(s) URL of an MLflow tracking server (e.g. http://localhost:5000); it is not.");
        }

        return uri;
    }

    /// <summary>The artifacts-proxy path of an artifact URI (<c>mlflow-artifacts:/1/abc/artifacts</c> → <c>1/abc/artifacts</c>).</summary>
    public static string ProxyPath(string artifactUri)
    {
        const string scheme = "mlflow-artifacts:";
        if (!artifactUri.StartsWith(scheme, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Artifact location '{artifactUri}' is not served by MLflow's artifacts proxy; start the server with --serve-artifacts (the default since MLflow 2.0) and a default artifact root it serves.");
        }

        var rest = artifactUri[scheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            // mlflow-artifacts://host:port/path: the host is the tracking server we already talk to.
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? "" : rest[slash..];
        }

        return rest.Trim('/');
    }
}
