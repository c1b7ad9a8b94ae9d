using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Scoring;

/// <summary>The Scoring service as its Program wires it (ServiceDefaults, services, API) on the harness's broker and folder.</summary>
public static class ScoringHost
{
    /// <summary>Built, not started; <paramref name="settings"/> go on top of the test defaults (fast model polls and checkpoints).</summary>
    public static WebApplication Build(ScoringHarness harness, Dictionary<string, string?>? settings = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.ListenOnLoopback();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = harness.Kafka.BootstrapServers,
            ["FraudDetection:DataDirectory"] = Path.Combine(harness.Directory, "data"),
            ["Scoring:ModelPollIntervalMs"] = "200",
            ["Scoring:CheckpointIntervalMs"] = "200",
            ["Scoring:CheckpointMinMessages"] = "0",
            ["Scoring:Consumer:session.timeout.ms"] = "6000",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.AddServiceDefaults();
        builder.AddScoringServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapScoringApi();
        return app;
    }
}
