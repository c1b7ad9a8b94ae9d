using System.Text.Json.Nodes;
using FraudDetection.Core.Models;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Scoring;

public sealed class DriftMetricsTests
{
    [Fact]
    public async Task A_champion_with_a_reference_exports_its_psi_on_metrics_and_a_drift_section_in_stats()
    {
        using var harness = new ScoringHarness();
        await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "data", "registry"), ScoringModels.ModelA);
        var rows = ScoringModels.KaggleRows(300);
        harness.Produce(rows);

        await using var app = ScoringHost.Build(harness, new() { ["Scoring:Drift:MinRows"] = "100" });
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = app.BaseAddress() };

        JsonObject stats = [];
        await ScoringHarness.WaitUntilAsync(() =>
        {
            stats = JsonNode.Parse(client.GetStringAsync("/api/scoring/stats").GetAwaiter().GetResult())!.AsObject();
            return stats["scored"]!.GetValue<long>() == rows.Count;
        }, "rows scored");

        var drift = stats["drift"]!.AsObject();
        drift["status"]!.GetValue<string>().Should().Be("tracking");
        drift["model_version"]!.GetValue<string>().Should().Be("1");
        drift["window_rows"]!.GetValue<int>().Should().Be(rows.Count);
        drift["score_psi"]!.GetValue<double>().Should().BeGreaterThanOrEqualTo(0);
        drift["psi"]!.AsObject().Select(p => p.Key).Should().Contain(DriftReference.ScoreColumn).And.HaveCountGreaterThan(2);
        var reference = DriftReference.TryLoad(ScoringModels.ModelA)!;
        drift["reference_alert_rate"]!.GetValue<double>().Should().Be(reference.AlertRate);

        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("fraud_drift_psi{").And.Contain("feature=\"score\"")
            .And.Contain("fraud_drift_alert_rate{").And.Contain("source=\"live\"").And.Contain("source=\"validation\"");
    }
}
