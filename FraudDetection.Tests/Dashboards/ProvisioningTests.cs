using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Aspire.Hosting;
using FraudDetection.Core.Telemetry;
using FraudDetection.Graph.Neo4j;
using YamlDotNet.RepresentationModel;

namespace FraudDetection.Tests.Dashboards;

/// <summary>What Grafana and Prometheus load from deploy/: datasources, dashboards, scrape configuration.</summary>
public partial class ProvisioningTests
{
    private static YamlMappingNode Yaml(params string[] path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine([RepoPaths.Root, "deploy", .. path]))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node)[key]).Value!;

    [Fact]
    public void Datasources_are_Prometheus_and_the_KB_projects_Neo4j_plugin_with_its_connection_settings()
    {
        var prometheus = Datasource("prometheus");
        Scalar(prometheus, "uid").Should().Be("prometheus");
        Scalar(prometheus, "url").Should().Be("$PROMETHEUS_URL");

        var neo4j = Datasource("kniepdennis-neo4j-datasource");
        Scalar(neo4j, "uid").Should().Be("neo4j");
        var jsonData = ((YamlMappingNode)neo4j)["jsonData"];
        Scalar(jsonData, "url").Should().Be("$NEO4J_URL");
        Scalar(jsonData, "username").Should().Be("$NEO4J_USER");
        Scalar(jsonData, "database").Should().NotBeEmpty();
        Scalar(((YamlMappingNode)neo4j)["secureJsonData"], "password").Should().Be("$NEO4J_PASSWORD", "the secret comes from the environment");
    }

    [Fact]
    public void Grafana_knows_the_scrape_interval_every_Prometheus_configuration_uses()
    {
        // $__rate_interval is at least four of the datasource's timeInterval: shorter than the scrape, a rate has one sample and shows nothing.
        var grafana = Scalar(((YamlMappingNode)Datasource("prometheus"))["jsonData"], "timeInterval");

        Scalar(Yaml("prometheus", "prometheus.yml")["global"], "scrape_interval").Should().Be(grafana, "compose's Prometheus");
        var cluster = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "k8s", "infrastructure.yaml"));
        ScrapeIntervalLine().Matches(cluster).Select(m => m.Groups[1].Value).Should().Equal([grafana], "the cluster's Prometheus");
        PrometheusBuilderExtensions.ScrapeInterval.Should().Be(grafana, "the app host's Prometheus, which Grafana reads in containers mode");
        PrometheusBuilderExtensions.ScrapeConfig([("scoring", "127.0.0.1:5102")]).Should().Contain($"scrape_interval: {grafana}");
    }

    private static YamlNode Datasource(string type) =>
        ((YamlSequenceNode)Yaml("grafana", "provisioning", "datasources", "datasources.yaml")["datasources"]).Children.Single(d => Scalar(d, "type") == type);

    [Fact]
    public void The_dashboard_provider_loads_the_folder_compose_mounts()
    {
        var provider = ((YamlSequenceNode)Yaml("grafana", "provisioning", "dashboards", "dashboards.yaml")["providers"]).Children.Single();
        Scalar(((YamlMappingNode)provider)["options"], "path").Should().Be("/var/lib/grafana/dashboards");
        Directory.GetFiles(DashboardFiles.Folder, "*.json").Select(Path.GetFileName).Should().BeEquivalentTo("fraud-overview.json", "graph.json");
    }

    [Theory]
    [InlineData("fraud-overview.json", "Fraud overview")]
    [InlineData("graph.json", "Graph")]
    public void Dashboards_refresh_every_5s_and_use_only_provisioned_datasources(string file, string title)
    {
        var dashboard = DashboardFiles.Load(file);

        dashboard.GetProperty("title").GetString().Should().Be(title);
        dashboard.GetProperty("refresh").GetString().Should().Be("5s");
        var panels = DashboardFiles.Panels(dashboard).ToList();
        panels.Should().NotBeEmpty();
        panels.Select(p => p.GetProperty("id").GetInt32()).Should().OnlyHaveUniqueItems();
        foreach (var panel in panels)
        {
            panel.GetProperty("datasource").GetProperty("uid").GetString().Should().BeOneOf("prometheus", "neo4j");
            panel.GetProperty("targets").EnumerateArray().Should().NotBeEmpty();
        }
    }

    [Fact]
    public void The_Fraud_overview_covers_throughput_alerts_scores_latency_lag_dead_letters_notifications_live_quality_and_drift()
    {
        var queries = string.Join('\n', DashboardFiles.PromQl(DashboardFiles.Load("fraud-overview.json")).Select(q => q.Expr));

        foreach (var metric in new[]
        {
            "fraud_producer_transactions_produced_total", "fraud_scoring_transactions_scored_total", "fraud_scoring_alerts_total",
            "fraud_scoring_score_bucket", "fraud_scoring_event_to_scored_duration_seconds_bucket", "fraud_scoring_consumer_lag",
            "fraud_scoring_deadletters_total", "fraud_notifier_sent_total", "fraud_notifier_failed_total", "fraud_scoring_labelled_total",
            "fraud_drift_psi", "fraud_drift_alert_rate",
        })
        {
            queries.Should().Contain(metric);
        }
        queries.Should().Contain("histogram_quantile(0.5,").And.Contain("histogram_quantile(0.99,");
    }

    [Fact]
    public void Every_metric_a_dashboard_names_is_an_instrument_of_FraudMetrics_under_its_Prometheus_name()
    {
        var instruments = typeof(FraudMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !f.Name.EndsWith("Meter", StringComparison.Ordinal))
            .Select(f => ((string)f.GetRawConstantValue()!).Replace('.', '_'))
            .ToList();
        var names = DashboardFiles.PromQl(DashboardFiles.Load("fraud-overview.json"))
            .Concat(DashboardFiles.PromQl(DashboardFiles.Load("graph.json")))
            .SelectMany(q => MetricName().Matches(q.Expr).Select(m => m.Value))
            .Distinct().ToList();

        names.Should().NotBeEmpty();
        foreach (var name in names)
        {
            // Counters + _total; histograms (unit s → _seconds) + _bucket; a rate unit (…/s) → _per_second.
            var stem = Regex.Replace(name, "(_seconds|_per_second)?(_total|_bucket|_sum|_count)?$", "");
            instruments.Should().Contain(stem, $"{name} must come from FraudDetection.Core/Telemetry/FraudMetrics.cs");
        }
    }

    [Fact]
    public void The_Graph_dashboards_Cypher_is_the_statement_set_the_code_keeps()
    {
        var cypher = DashboardFiles.Cypher(DashboardFiles.Load("graph.json")).Select(q => q.Cypher).ToList();

        cypher.Should().BeEquivalentTo(CypherStatements.GrafanaPanels.Values);
        cypher.Should().OnlyContain(c => !c.Contains("cc_num AS") , "panels show cards masked, never the number");
    }

    [Fact]
    public void Prometheus_scrapes_every_service_of_the_compose_file_and_promtool_accepts_it()
    {
        var config = Path.Combine(RepoPaths.Root, "deploy", "prometheus", "prometheus.yml");
        var jobs = ((YamlSequenceNode)Yaml("prometheus", "prometheus.yml")["scrape_configs"]).Children
            .ToDictionary(j => Scalar(j, "job_name"), j => string.Join(',', ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)j)["static_configs"]).Children[0])["targets"]).Children.Select(t => ((YamlScalarNode)t).Value)));

        // The app host generates its own configuration with the addresses DCP gives; this file is compose's.
        jobs.Should().BeEquivalentTo(new[] { "producer", "scoring", "graph", "notifier", "training", "web" }.ToDictionary(j => j, j => $"{j}:8080"));

        using var promtool = Process.Start(new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(PrometheusServer.Binary)!, "promtool"), ["check", "config", config])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = promtool.StandardOutput.ReadToEnd() + promtool.StandardError.ReadToEnd();
        promtool.WaitForExit();
        promtool.ExitCode.Should().Be(0, output);
    }

    [GeneratedRegex(@"scrape_interval:\s*(\S+)")]
    private static partial Regex ScrapeIntervalLine();

    [GeneratedRegex(@"\bfraud_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
