using System.Text.Json;

namespace FraudDetection.Tests.Dashboards;

/// <summary>The provisioned Grafana dashboards under deploy/grafana/dashboards and the queries of their panels.</summary>
public static class DashboardFiles
{
    public static string Folder => Path.Combine(RepoPaths.Root, "deploy", "grafana", "dashboards");

    public static JsonElement Load(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, file)));
        return document.RootElement.Clone();
    }

    public static IEnumerable<JsonElement> Panels(JsonElement dashboard) =>
        dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.TryGetProperty("panels", out var nested) ? nested.EnumerateArray().Append(p) : [p]);

    private static string DatasourceType(JsonElement element) =>
        element.TryGetProperty("datasource", out var ds) && ds.ValueKind == JsonValueKind.Object && ds.TryGetProperty("type", out var type)
            ? type.GetString() ?? "" : "";

    /// <summary>(panel title, PromQL) for every Prometheus target of every panel.</summary>
    public static IReadOnlyList<(string Panel, string Expr)> PromQl(JsonElement dashboard) =>
        Panels(dashboard)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()
                .Where(t => (DatasourceType(t) is var type && type.Length > 0 ? type : DatasourceType(p)) == "prometheus")
                .Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!)))
            .ToList();

    /// <summary>(panel title, Cypher) for every Neo4j target.</summary>
    public static IReadOnlyList<(string Panel, string Cypher)> Cypher(JsonElement dashboard) =>
        Panels(dashboard)
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()
                .Where(t => t.TryGetProperty("cypherQuery", out _))
                .Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("cypherQuery").GetString()!)))
            .ToList();

    /// <summary>Grafana's interval variables, as Grafana would expand them for a short dashboard range.</summary>
    public static string ExpandGrafanaVariables(string expr, string rateInterval) =>
        expr.Replace("$__rate_interval", rateInterval, StringComparison.Ordinal)
            .Replace("$__interval", "5s", StringComparison.Ordinal)
            .Replace("$__range", rateInterval, StringComparison.Ordinal);
}
