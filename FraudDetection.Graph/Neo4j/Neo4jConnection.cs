using System.Data.Common;
using System.Net.Http.Headers;
using System.Text;

namespace FraudDetection.Graph.Neo4j;

/// <summary>
/// <c>ConnectionStrings:neo4j</c>: <c>Endpoint=http://host:7474;Username=neo4j;Password=...;Database=neo4j</c>
/// (keys case-insensitive; <c>Url</c>/<c>User</c> accepted), or a URL <c>http://user:password@host:7474</c>.
/// </summary>
public sealed record Neo4jConnection(Uri Endpoint, string Username, string Password, string Database)
{
    public const string ConnectionStringName = "neo4j";

    public static Neo4jConnection Parse(string connectionString)
    {
        if (Uri.TryCreate(connectionString, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            var userInfo = Uri.UnescapeDataString(url.UserInfo).Split(':', 2);
            var baseUrl = new UriBuilder(url.Scheme, url.Host, url.Port).Uri;
            return new Neo4jConnection(baseUrl, userInfo[0] is { Length: > 0 } u ? u : "neo4j",
                userInfo.Length > 1 ? userInfo[1] : "", "neo4j");
        }
        var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string? Get(params string[] keys) => keys.Select(k => builder.TryGetValue(k, out var v) ? v?.ToString() : null).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        var endpoint = Get("Endpoint", "Url", "Uri")
            ?? throw new FormatException("ConnectionStrings:neo4j has no Endpoint (e.g. Endpoint=http://localhost:7474;Username=neo4j;Password=...)");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) || endpointUri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"ConnectionStrings:neo4j Endpoint '{endpoint}' is not an http(s) URL of Neo4j's HTTP port (7474)");
        }
        return new Neo4jConnection(endpointUri, Get("Username", "User", "UserName") ?? "neo4j", Get("Password") ?? "", Get("Database", "Db") ?? "neo4j");
    }

    public AuthenticationHeaderValue BasicAuthorization() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));

    // Never print the password.
    public override string ToString() => $"{Endpoint} (user {Username}, database {Database})";
}
