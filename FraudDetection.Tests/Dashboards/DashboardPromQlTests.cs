using Xunit.Abstractions;

namespace FraudDetection.Tests.Dashboards;

/// <summary>
/// Every PromQL expression of the provisioned dashboards, evaluated by a real Prometheus scraping running
/// Producer, Scoring (+ graph sink) and Notifier hosts that carry traffic: an error or an empty answer fails.
/// </summary>
[Collection(MetricsIsolation.Name)]
[Trait("Category", "Integration")]
public class DashboardPromQlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_dashboard_panel_query_returns_data_from_a_real_Prometheus_scraping_the_services()
    {
        var queries = new[] { "fraud-overview.json", "graph.json" }
            .SelectMany(file => DashboardFiles.PromQl(DashboardFiles.Load(file)).Select(q => (File: file, q.Panel, q.Expr)))
            .ToList();
        queries.Should().HaveCountGreaterThan(15);

        await using var services = new ServiceHosts();
        await services.StartAsync();
        using var prometheus = await PrometheusServer.StartAsync(services.Targets);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await prometheus.HealthyJobsAsync()).Distinct().Count() < services.Targets.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        (await prometheus.HealthyJobsAsync()).Should().BeEquivalentTo(services.Targets.Keys, "Prometheus scrapes every service");

        // Grafana expands $__rate_interval to at least 4 scrape intervals; 30s keeps a few scrapes of traffic in every window.
        var pending = queries.ToDictionary(q => q, q => (PromQueryResult?)null);
        while (pending.Values.Any(r => r is not { HasData: true }) && DateTime.UtcNow < deadline)
        {
            foreach (var query in pending.Where(p => p.Value is not { HasData: true }).Select(p => p.Key).ToList())
            {
                pending[query] = await prometheus.QueryAsync(DashboardFiles.ExpandGrafanaVariables(query.Expr, "30s"));
            }
            await Task.Delay(500);
        }

        foreach (var ((file, panel, _), result) in pending)
        {
            output.WriteLine($"{file} / {panel}: {result!.Expression} → {(result.Error ?? string.Join(", ", result.Values.Take(4)))}");
        }
        output.WriteLine("scraped: " + string.Join(' ', await prometheus.MetricNamesAsync("fraud_")));
        pending.Where(p => p.Value is not { HasData: true })
            .Select(p => $"{p.Key.File} / {p.Key.Panel}: {p.Value!.Expression} → {p.Value.Error ?? "no data"}")
            .Should().BeEmpty("every panel of the provisioned dashboards must show data");

        // Every service's exposition, with every histogram populated by now, passes Prometheus's own lint for our
        // metrics (runtime and ASP.NET Core metrics of the OpenTelemetry instrumentation are theirs to name).
        using var http = new HttpClient();
        var ours = new List<string>();
        foreach (var (job, target) in services.Targets)
        {
            var exposition = await http.GetStringAsync($"http://{target}/metrics");
            exposition.Should().Contain("fraud_", $"{job} exports our metrics");
            foreach (var finding in await Promtool.CheckMetricsAsync(exposition))
            {
                output.WriteLine($"promtool {job}: {finding}");
                if (finding.StartsWith("fraud_", StringComparison.Ordinal))
                {
                    ours.Add($"{job}: {finding}");
                }
            }
        }
        ours.Should().BeEmpty("our metric names follow Prometheus's naming rules (base units, suffixes, help text)");
    }
}

/// <summary>
/// OpenTelemetry listens to every FraudDetection.* meter in the process, and another test disposing its meter of the
/// same name ends that metric's export here too: this test runs alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsIsolation
{
    public const string Name = "metrics isolation";
}
