using System.Diagnostics;
using System.Diagnostics.Metrics;
using FraudDetection.AppHost.Dashboard;
using FraudDetection.AppHost.Options;
using FraudDetection.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.AppHost;

/// <summary>The page's parts without a host: log ring buffer, counters, traces, rendering, catalog and command line.</summary>
public sealed class DashboardTests
{
    [Fact]
    public void Logs_are_kept_per_resource_with_card_numbers_masked()
    {
        var catalog = new ResourceCatalog();
        using var logs = new LogRingBuffer(catalog, linesPerResource: 3);
        var scoring = logs.CreateLogger("FraudDetection.Scoring.Worker");
        var graph = logs.CreateLogger("FraudDetection.Scoring.Graph.GraphSink");

        for (var i = 0; i < 5; i++)
        {
            scoring.LogInformation("scored {Card} #{I}", 4613314721966L, i);
        }
        graph.LogWarning("slow batch");
        scoring.LogDebug("not kept");

        var lines = logs.Recent(ResourceCatalog.Scoring, 10);
        lines.Select(l => l.Message).Should().Equal("scored ****1966 #2", "scored ****1966 #3", "scored ****1966 #4");
        logs.Recent(ResourceCatalog.GraphSink, 10).Should().ContainSingle().Which.Level.Should().Be(LogLevel.Warning);
    }

    [Fact]
    public void Card_masking_keeps_short_numbers_and_masks_12_to_19_digits()
    {
        LogRingBuffer.MaskCardNumbers("amt 123456 card 2291163933867244 zip 28654")
            .Should().Be("amt 123456 card ****7244 zip 28654");
    }

    [Fact]
    public void Catalog_gives_health_checks_routes_and_log_categories_to_the_right_resource()
    {
        var catalog = new ResourceCatalog();

        catalog.ForHealthCheck("kafka-producer").Name.Should().Be(ResourceCatalog.Producer);
        catalog.ForHealthCheck("kafka-broker").Name.Should().Be(ResourceCatalog.Kafka);
        catalog.ForHealthCheck("graph-sink").Name.Should().Be(ResourceCatalog.GraphSink);
        catalog.ForHealthCheck("self").Name.Should().Be(ResourceCatalog.AppHost);
        catalog.ForRoute("/api/score").Should().BeSameAs(catalog[ResourceCatalog.Scoring]);
        catalog.ForRoute("/api/scoring/stats")!.Name.Should().Be(ResourceCatalog.Scoring);
        catalog.ForRoute("/models/{version}")!.Name.Should().Be(ResourceCatalog.Training);
        catalog.ForLogCategory("FraudDetection.Scoring.Graph.Sink").Name.Should().Be(ResourceCatalog.GraphSink);
        catalog.ForLogCategory("FraudDetection.Scoring.Pipeline").Name.Should().Be(ResourceCatalog.Scoring);
    }

    [Fact]
    public void Counters_add_up_the_services_meters()
    {
        using var collector = new CounterCollector();
        using var meter = new Meter(FraudMetrics.ScoringMeter);
        var scored = meter.CreateCounter<long>(FraudMetrics.TransactionsScored);
        using var other = new Meter("SomethingElse");
        var ignored = other.CreateCounter<long>(FraudMetrics.TransactionsScored);

        scored.Add(40);
        scored.Add(2, new KeyValuePair<string, object?>("model_version", "3"));
        ignored.Add(1000);

        collector.Total(FraudMetrics.TransactionsScored).Should().Be(42);
        collector.Readings().Single(r => r.Key == "scored").Total.Should().Be(42);
    }

    [Fact]
    public void Traces_follow_Kafka_links_so_producer_and_scoring_spans_form_one_flow()
    {
        using var collector = new TraceCollector();
        using var producer = new ActivitySource("FraudDetection.Producer");
        using var scoring = new ActivitySource("FraudDetection.Scoring");
        using var unrelated = new ActivitySource("Other.Library");

        ActivityContext produced;
        using (var send = producer.StartActivity("produce transactions", ActivityKind.Producer)!)
        {
            produced = send.Context;
        }
        using (var consume = scoring.StartActivity("score batch", ActivityKind.Consumer, parentContext: default, links: [new ActivityLink(produced)])!)
        {
            using var alert = scoring.StartActivity("produce fraud.alerts", ActivityKind.Producer);
        }
        unrelated.StartActivity("ignored")?.Dispose();

        var flow = collector.Recent(5).First();
        flow.TraceId.Should().Be(produced.TraceId.ToHexString());
        flow.Spans.Select(s => s.Name).Should().BeEquivalentTo(["produce transactions", "score batch", "produce fraud.alerts"]);
        flow.Sources.Should().BeEquivalentTo(["FraudDetection.Producer", "FraudDetection.Scoring"]);
    }

    [Fact]
    public void A_notification_seconds_later_still_joins_its_flow_under_heavy_producer_traffic()
    {
        using var collector = new TraceCollector();
        using var producer = new ActivitySource("FraudDetection.Producer");
        using var scoring = new ActivitySource("FraudDetection.Scoring");
        using var notifier = new ActivitySource("FraudDetection.Notifier");

        ActivityContext produced, scored;
        using (var send = producer.StartActivity("transactions publish", ActivityKind.Producer)!)
        {
            produced = send.Context;
        }
        using (var score = scoring.StartActivity("score transactions", ActivityKind.Consumer, parentContext: default, links: [new ActivityLink(produced)])!)
        {
            scored = score.Context;
        }
        // Thousands of transactions later (each its own producer trace) the alert reaches the Notifier.
        for (var i = 0; i < 5000; i++)
        {
            producer.StartActivity("transactions publish", ActivityKind.Producer, parentContext: default)!.Dispose();
        }
        notifier.StartActivity("receive fraud.alerts", ActivityKind.Consumer, scored)!.Dispose();

        var flow = collector.Recent(3).First();
        flow.TraceId.Should().Be(produced.TraceId.ToHexString());
        flow.Sources.Should().Equal("FraudDetection.Producer", "FraudDetection.Scoring", "FraudDetection.Notifier");
    }

    [Fact]
    public void The_page_encodes_what_it_shows_and_marks_health_for_the_browser()
    {
        var html = DashboardPage.Resources(
        [
            new ResourceView("scoring", "Service", "<b>x</b>", "Running", "Healthy",
                [new HealthEntryView("scoring", "Healthy", null)], ["/api/score", "/api/graph/cards/{id}"],
                [new LogLine(DateTimeOffset.UtcNow, LogLevel.Information, "FraudDetection.Scoring.W", "<script>")]),
        ]);

        html.Should().Contain("data-resource=\"scoring\" data-health=\"Healthy\"");
        html.Should().Contain("&lt;b&gt;x&lt;/b&gt;").And.Contain("&lt;script&gt;").And.NotContain("<script>");
        html.Should().Contain("<a href=\"/api/score\">").And.NotContain("<a href=\"/api/graph/cards/{id}\">");
    }

    [Fact]
    public void The_feed_panels_show_masked_cards_and_counts()
    {
        var html = DashboardPage.Feed(new FeedSnapshot(
            [new FeedTransaction("t1", new DateTime(2020, 6, 21, 12, 0, 0), "****1234", "fraud_Kirlin", "shopping_net", 12.5, 0.97, true, 1, "3", "amt")],
            [],
            Scored: 10, PredictedFraud: 1, PredictedNotFraud: 9, LabelledFraud: 1,
            TopMerchants: [new MerchantVolume("fraud_Kirlin", 4, 1)]));

        html.Should().Contain("****1234").And.Contain("fraud_Kirlin").And.Contain("data-scored=\"10\"").And.Contain("data-fraud=\"1\"");
    }

    [Fact]
    public void Command_line_defaults_and_options()
    {
        var (defaults, none) = AppHostCommandLine.Parse([]);
        none.Should().BeEmpty();
        defaults!.Port.Should().Be(18888);
        defaults.Rate.Should().Be(50);
        defaults.Containers.Should().BeFalse();
        defaults.BindUrl.Should().Be("http://127.0.0.1:18888", "loopback only unless told");
        defaults.DataDirectory.Should().Be(Path.GetFullPath(".data"));

        var (options, errors) = AppHostCommandLine.Parse(["--containers", "--rate", "max", "--loop", "--data-dir", "/tmp/x", "--port", "19000", "--listen-any"]);
        errors.Should().BeEmpty();
        options!.Containers.Should().BeTrue();
        double.IsPositiveInfinity(options.Rate).Should().BeTrue();
        options.Loop.Should().BeTrue();
        options.DataDirectory.Should().Be("/tmp/x");
        options.BindUrl.Should().Be("http://0.0.0.0:19000");

        AppHostCommandLine.Parse(["--port", "70000"]).Errors.Should().ContainSingle().Which.Should().Contain("--port");
        AppHostCommandLine.Parse(["--rate", "fast"]).Errors.Should().ContainSingle().Which.Should().Contain("--rate");
        AppHostCommandLine.Parse(["--bogus"]).Errors.Should().NotBeEmpty();
    }
}
