using System.Text.RegularExpressions;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Telemetry;

namespace FraudDetection.Tests.Dashboards;

/// <summary>A panel says 0, not "No data", before the first dead letter, failure or scored transaction.</summary>
[Collection(MetricsIsolation.Name)]
public partial class ZeroSeriesTests
{
    [Fact]
    public async Task Every_counter_the_dashboards_read_exists_at_zero_before_any_traffic()
    {
        var counters = new[] { "fraud-overview.json", "graph.json" }
            .SelectMany(file => DashboardFiles.PromQl(DashboardFiles.Load(file)))
            .SelectMany(q => CounterName().Matches(q.Expr).Select(m => m.Value))
            .ToHashSet();
        counters.Should().Contain(["fraud_scoring_deadletters_total", "fraud_notifier_failed_total", "fraud_graph_write_errors_total", "fraud_scoring_labelled_total"]);

        await using var services = new ServiceHosts { SendBadInput = false };
        services.ProducerSettings["Producer:Autostart"] = "false";
        await services.StartAsync();
        using var http = new HttpClient();
        async Task<string> ScrapeAll() => string.Join('\n', await Task.WhenAll(services.Targets.Values.Select(t => http.GetStringAsync($"http://{t}/metrics"))));

        // Scoring's scored and alert series appear, at 0, once it serves its champion.
        var scrape = await ScrapeAll();
        for (var i = 0; i < 150 && !scrape.Contains("fraud_scoring_alerts_total{", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            scrape = await ScrapeAll();
        }

        var series = SeriesLine().Matches(scrape).Select(m => (Name: m.Groups["name"].Value, Labels: m.Groups["labels"].Value, Value: m.Groups["value"].Value)).ToList();
        foreach (var counter in counters)
        {
            series.Where(s => s.Name == counter).Should().NotBeEmpty($"{counter} is read by a dashboard");
        }
        series.Where(s => counters.Contains(s.Name) && s.Value != "0").Should().BeEmpty("nothing has happened yet");
        foreach (var reason in DeadLetterReasons.All)
        {
            series.Should().Contain(s => s.Name == "fraud_scoring_deadletters_total" && s.Labels.Contains($"reason=\"{reason}\""));
        }
        foreach (var outcome in LabelledOutcome.All)
        {
            series.Should().Contain(s => s.Name == "fraud_scoring_labelled_total" && s.Labels.Contains($"outcome=\"{outcome}\""));
        }
        series.Should().Contain(s => s.Name == "fraud_graph_write_errors_total" && s.Labels.Contains("reason=\"store\""));
        series.Should().Contain(s => s.Name == "fraud_notifier_failed_total" && s.Labels.Contains("channel=\"webhook\""));
    }

    [GeneratedRegex(@"\bfraud_[a-z0-9_]+_total\b")]
    private static partial Regex CounterName();

    [GeneratedRegex(@"^(?<name>fraud_[a-z0-9_]+)(\{(?<labels>[^}]*)\})? (?<value>\S+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
