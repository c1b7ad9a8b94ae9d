namespace FraudDetection.Web.Clients;

/// <summary>
/// The other services as the app host names them: each is reached at <c>http://{name}</c> through service discovery
/// (<c>services__{name}__http__0</c>), and its public URL for the browser is the same setting.
/// </summary>
public static class ServiceNames
{
    public const string Producer = "producer";
    public const string Scoring = "scoring";
    public const string Graph = "graph";
    public const string Notifier = "notifier";
    public const string Training = "training";

    /// <summary>The address a browser uses for <paramref name="service"/>, or null when the app host gave none.</summary>
    public static string? PublicUrl(IConfiguration configuration, string service) =>
        configuration[$"services:{service}:http:0"]?.TrimEnd('/');
}
