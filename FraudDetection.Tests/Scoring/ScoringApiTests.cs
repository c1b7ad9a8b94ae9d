using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Scoring;

public sealed class ScoringApiTests
{
    private static WebApplication BuildHost(ScoringHarness harness, Dictionary<string, string?>? settings = null) => ScoringHost.Build(harness, settings);

    /// <summary>A Scoring host with model A as champion, started once it has scored <paramref name="history"/> from the stream.</summary>
    private static async Task<WebApplication> StartWithScoredHistoryAsync(ScoringHarness harness, List<Transaction> history)
    {
        await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "data", "registry"), ScoringModels.ModelA);
        harness.Produce(history);
        var app = BuildHost(harness);
        try
        {
            await app.StartAsync();
            using var client = Client(app);
            await ScoringHarness.WaitUntilAsync(() => Stats(client).GetAwaiter().GetResult()["scored"]!.GetValue<long>() == history.Count, "history scored");
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static HttpClient Client(WebApplication app) =>
        new() { BaseAddress = app.BaseAddress() };

    [Fact]
    public async Task Score_returns_features_and_reasons_that_sum_with_the_bias_to_the_raw_margin_without_changing_state()
    {
        using var harness = new ScoringHarness();
        var history = ScoringModels.KaggleRows(400);
        await using var app = await StartWithScoredHistoryAsync(harness, history);
        using var client = Client(app);

        var card = history.GroupBy(t => t.CcNum).OrderByDescending(g => g.Count()).First();
        var probe = card.Last() with { TransNum = "probe-1", TransDateTransTime = card.Last().TransDateTransTime.AddMinutes(3), Amt = 912.37, IsFraud = null };

        var first = await ScoreAsync(client, probe);
        var second = await ScoreAsync(client, probe);

        first["card_state"]!.GetValue<string>().Should().Be("known");
        first["state_updated"]!.GetValue<bool>().Should().BeFalse();
        first["model_version"]!.GetValue<string>().Should().Be("1");
        first["card_masked"]!.GetValue<string>().Should().Be(CardMask.Mask(probe.CcNum));
        var features = first["features"]!.AsObject();
        features.Select(f => f.Key).Should().Equal(FeatureSchema.Current.Names);

        // The same features as the offline replay of the card's history followed by the probe.
        var offline = FeatureMatrix.Build([.. history, probe]);
        var offlineRow = offline.Row(offline.Rows - 1).ToArray();
        features.Select(f => f.Value!.GetValue<float>()).Should().Equal(offlineRow);
        features["card_tx_count"]!.GetValue<float>().Should().BeGreaterThan(0);

        var contributions = first["contributions"]!.AsObject().Sum(c => c.Value!.GetValue<double>());
        var bias = first["bias"]!.GetValue<double>();
        var margin = first["raw_margin"]!.GetValue<double>();
        (contributions + bias).Should().BeApproximately(margin, 1e-9);
        var score = first["score"]!.GetValue<double>();
        (1 / (1 + Math.Exp(-margin))).Should().BeApproximately(score, 1e-5, "the margin is the model's own raw score");
        var reasons = first["reasons"]!.AsArray();
        reasons.Should().HaveCount(5);
        reasons.Select(r => Math.Abs(r!["contribution"]!.GetValue<double>())).Should().BeInDescendingOrder();
        first["decision"]!.GetValue<string>().Should().Be(score >= first["threshold"]!.GetValue<double>() ? "alert" : "pass");

        JsonNode.DeepEquals(first["features"], second["features"]).Should().BeTrue("scoring on request must not change the card's state");
        var stats = await Stats(client);
        stats["scored"]!.GetValue<long>().Should().Be(history.Count, "a request is not a streamed transaction");
        stats["model_version"]!.GetValue<string>().Should().Be("1");

        var bad = await client.PostAsync("/api/score", new StringContent("{\"cc_num\": 1}", System.Text.Encoding.UTF8, "application/json"));
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).Should().Contain(DeadLetterReasons.MissingTransNum);

        var metrics = await client.GetStringAsync("/metrics");
        metrics.Should().Contain("fraud_scoring_transactions_scored_total").And.Contain("fraud_scoring_score_bucket")
            .And.Contain("fraud_scoring_event_to_scored_duration_seconds_bucket").And.Contain("model_version=\"1\"");
        await app.StopAsync();
    }

    [Fact]
    public async Task Without_a_champion_the_service_waits_degraded_then_scores_once_one_is_promoted()
    {
        using var harness = new ScoringHarness();
        var rows = ScoringModels.KaggleRows(100);
        harness.Produce(rows);
        await using var app = BuildHost(harness);
        await app.StartAsync();
        using var client = Client(app);
        var health = app.Services.GetRequiredService<HealthCheckService>();

        await Task.Delay(500);
        var waiting = (await health.CheckHealthAsync()).Entries[ScoringServiceExtensions.HealthCheckName];
        waiting.Status.Should().Be(HealthStatus.Degraded);
        waiting.Description.Should().Contain("no 'champion' model");
        (await client.PostAsJsonAsync("/api/score", rows[0], FraudJsonContext.Default.Transaction)).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);

        await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "data", "registry"), ScoringModels.ModelA);
        await ScoringHarness.WaitUntilAsync(() => Stats(client).GetAwaiter().GetResult()["scored"]!.GetValue<long>() == rows.Count, "scored after promotion");
        (await health.CheckHealthAsync()).Entries[ScoringServiceExtensions.HealthCheckName].Status.Should().Be(HealthStatus.Healthy);
        harness.ReadScored(s => s.Count >= rows.Count).Should().HaveCount(rows.Count);
        await app.StopAsync();
    }

    [Fact]
    public async Task Update_state_appends_the_transaction_for_the_stream_to_apply_once_and_later_calls_see_it()
    {
        using var harness = new ScoringHarness();
        var history = ScoringModels.KaggleRows(400);
        await using var app = await StartWithScoredHistoryAsync(harness, history);
        using var client = Client(app);


        var card = history.GroupBy(t => t.CcNum).OrderByDescending(g => g.Count()).First();
        var last = card.Last();
        var update = last with { TransNum = "live-update-1", TransDateTransTime = last.TransDateTransTime.AddMinutes(2), Amt = 57.5, IsFraud = null };
        var probe = last with { TransNum = "probe-after", TransDateTransTime = last.TransDateTransTime.AddMinutes(5), Amt = 12.25, IsFraud = null };

        // By default (and with update_state=false) nothing changes: the same call answers the same features.
        var before = await ScoreAsync(client, probe);
        var again = await ScoreAsync(client, probe, "?update_state=false");
        JsonNode.DeepEquals(before["features"], again["features"]).Should().BeTrue();
        again["state_updated"]!.GetValue<bool>().Should().BeFalse();
        again.ContainsKey("appended").Should().BeFalse();

        var updated = await ScoreAsync(client, update, "?update_state=true");
        updated["state_updated"]!.GetValue<bool>().Should().BeTrue();
        var appended = updated["appended"]!.AsObject();
        appended["topic"]!.GetValue<string>().Should().Be(Topics.Transactions);
        var partition = appended["partition"]!.GetValue<int>();
        var offset = appended["offset"]!.GetValue<long>();
        // A retry of the same transaction is appended again and still counted once (dedupe by trans_num).
        var retried = await ScoreAsync(client, update, "?update_state=true");
        retried["appended"]!["partition"]!.GetValue<int>().Should().Be(partition);
        retried["appended"]!["offset"]!.GetValue<long>().Should().BeGreaterThan(offset);

        // Appended as the Producer sends it: keyed by cc_num, in the card's partition, at the offset answered.
        var onTopic = harness.ReadAll(Topics.Transactions, m => m.Count >= history.Count + 2);
        var record = onTopic.Single(m => m.Partition.Value == partition && m.Offset.Value == offset);
        System.Text.Encoding.ASCII.GetString(record.Message.Key).Should().Be(update.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        JsonSerializer.Deserialize(record.Message.Value, FraudJsonContext.Default.Transaction)!.TransNum.Should().Be(update.TransNum);
        onTopic.Where(m => m.Message.Key.AsSpan().SequenceEqual(record.Message.Key)).Should().OnlyContain(m => m.Partition.Value == partition);

        await ScoringHarness.WaitUntilAsync(() =>
        {
            var stats = Stats(client).GetAwaiter().GetResult();
            return stats["scored"]!.GetValue<long>() == history.Count + 1 && stats["duplicates"]!.GetValue<long>() == 1;
        }, "the appended transaction scored once, its retry dropped");
        var scored = harness.ReadScored(s => s.Count > history.Count + 1, TimeSpan.FromSeconds(2));
        scored.Should().HaveCount(history.Count + 1);
        var streamed = scored.Single(s => s.Transaction.TransNum == update.TransNum);
        streamed.Score.Should().BeApproximately(updated["score"]!.GetValue<double>(), 1e-6, "the answer scored it against the state the stream folded it into");

        var after = await ScoreAsync(client, probe);
        after["features"]!["card_tx_count"]!.GetValue<float>().Should().Be(before["features"]!["card_tx_count"]!.GetValue<float>() + 1,
            "the stream applied the appended transaction to the card's state");
        JsonNode.DeepEquals(before["features"], after["features"]).Should().BeFalse();
        await app.StopAsync();
    }

    [Fact]
    public async Task Update_state_without_Kafka_answers_503_and_the_read_only_score_still_works()
    {
        using var harness = new ScoringHarness();
        await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "data", "registry"), ScoringModels.ModelA);
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var deadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now
        await using var app = BuildHost(harness, new()
        {
            ["ConnectionStrings:kafka"] = $"127.0.0.1:{deadPort}",
            ["Scoring:ScoreUpdateTimeoutMs"] = "1500",
        });
        await app.StartAsync();
        using var client = Client(app);
        var transaction = ScoringModels.KaggleRows(1)[0];
        await ScoringHarness.WaitUntilAsync(() => client.PostAsJsonAsync("/api/score", transaction, FraudJsonContext.Default.Transaction)
            .GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK, "the champion loaded");

        var response = await client.PostAsJsonAsync("/api/score?update_state=true", transaction, FraudJsonContext.Default.Transaction);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, body);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JsonNode.Parse(body)!.AsObject();
        problem["title"]!.GetValue<string>().Should().Contain("state not updated");
        problem["detail"]!.GetValue<string>().Should().Contain(Topics.Transactions);
        problem["trans_num"]!.GetValue<string>().Should().Be(transaction.TransNum);
        problem["possibly_persisted"]!.GetValue<bool>().Should().BeFalse("the broker was never reached");
        await app.StopAsync();
    }

    private static async Task<JsonObject> ScoreAsync(HttpClient client, Transaction transaction, string query = "")
    {
        var response = await client.PostAsJsonAsync("/api/score" + query, transaction, FraudJsonContext.Default.Transaction);
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonObject> Stats(HttpClient client) =>
        JsonNode.Parse(await client.GetStringAsync("/api/scoring/stats"))!.AsObject();
}
