using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Apis;
using FraudDetection.Scoring.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FraudDetection.Tests.Scoring;

/// <summary>
/// The bad-input corpus (<see cref="MalformedTransactions.Corpus"/>) interleaved with good transactions: on the topic
/// each bad one is dead-lettered once with its reason and every good one is scored, with no restart; on the HTTP API
/// each bad one is a 400 problem naming the reason, never a 500.
/// </summary>
[Trait("Category", "Integration")]
public sealed class BadInputTests
{
    [Fact]
    public async Task Every_kind_of_malformed_transaction_on_the_topic_is_dead_lettered_with_its_reason_and_the_good_ones_around_it_are_scored()
    {
        using var harness = new ScoringHarness(partitions: 2);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var good = ScoringModels.KaggleRows(200);
        var template = JsonSerializer.Serialize(good[0] with { TransNum = "bad-template" }, FraudJsonContext.Default.Transaction);
        var corpus = MalformedTransactions.Corpus(template, "bad-template");
        corpus.Select(c => c.Kind).Should().OnlyHaveUniqueItems().And.HaveCountGreaterThanOrEqualTo(20);

        // Each bad one between good ones, on the partition of a card (its own key, to find its dead letter).
        var perGap = good.Count / corpus.Length;
        for (var i = 0; i < corpus.Length; i++)
        {
            harness.Produce(good.Skip(i * perGap).Take(perGap));
            harness.ProduceRaw(Encoding.UTF8.GetBytes($"bad-{i}"), corpus[i].Value);
        }
        harness.Produce(good.Skip(corpus.Length * perGap));
        harness.Flush();

        var (consumer, stats) = harness.Start(ScoringHarness.Options("bad-input"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == good.Count && stats.DeadLetters == corpus.Length, "every row scored or dead-lettered");
        await harness.StopAsync(consumer);

        var deadLetters = harness.ReadAll(Topics.DeadLetter, m => m.Count >= corpus.Length)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.DeadLetter)!)
            .ToDictionary(d => Encoding.UTF8.GetString(d.RawKey!), d => d.Reason);
        deadLetters.Should().Equal(Enumerable.Range(0, corpus.Length).ToDictionary(i => $"bad-{i}", i => corpus[i].Reason),
            "each kind is dead-lettered once, with its reason");
        harness.ReadScored(s => s.Count >= good.Count).Select(s => s.Transaction.TransNum).Should().BeEquivalentTo(good.Select(t => t.TransNum));
        stats.Snapshot("", null, null).ConsumerRestarts.Should().Be(0);
    }

    [Fact]
    public async Task A_replay_running_years_ahead_of_the_clock_is_scored_and_a_jump_of_more_than_a_year_is_dead_lettered()
    {
        // As a looped replay: each pass moves on past the previous one, so event time runs ahead of the wall clock
        // (at 50 tx/s by about four years a day); the rows' own spacing stays days apart.
        using var harness = new ScoringHarness(partitions: 1);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var rows = ScoringModels.KaggleRows(120);
        var start = DateTime.UtcNow.Date.AddMonths(-1);
        var ahead = rows.Select((t, i) => t with { TransDateTransTime = start.AddDays(30.0 * i), TransNum = $"ahead-{i}" }).ToList();
        ahead[^1].TransDateTransTime.Should().BeAfter(DateTime.UtcNow.AddYears(9), "the stream ends years ahead of the clock");
        harness.Produce(ahead);
        var jump = ahead[^1] with { TransDateTransTime = ahead[^1].TransDateTransTime.AddYears(2), TransNum = "jump" };
        harness.ProduceRaw(Encoding.UTF8.GetBytes("jump"), JsonSerializer.SerializeToUtf8Bytes(jump, FraudJsonContext.Default.Transaction));
        harness.Flush();

        var (consumer, stats) = harness.Start(ScoringHarness.Options("ahead"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == ahead.Count && stats.DeadLetters == 1, "every row scored or dead-lettered");
        await harness.StopAsync(consumer);

        var deadLetter = harness.ReadAll(Topics.DeadLetter, m => m.Count >= 1)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.DeadLetter)!).Single();
        Encoding.UTF8.GetString(deadLetter.RawKey!).Should().Be("jump");
        deadLetter.Reason.Should().Be(DeadLetterReasons.InvalidDate);
    }

    [Fact]
    public async Task Every_kind_of_malformed_transaction_posted_to_the_score_api_is_a_400_problem_with_its_reason()
    {
        using var harness = new ScoringHarness();
        await ScoringModels.RegistryWithChampionAsync(Path.Combine(harness.Directory, "data", "registry"), ScoringModels.ModelA);
        await using var app = ScoringHost.Build(harness);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        var good = ScoringModels.KaggleRows(1)[0];
        var template = JsonSerializer.Serialize(good with { TransNum = "bad-template" }, FraudJsonContext.Default.Transaction);
        await ScoringHarness.WaitUntilAsync(() => ScoreAsync(http, Encoding.UTF8.GetBytes(template)).GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK,
            "the champion serving");

        foreach (var (kind, reason, value) in MalformedTransactions.Corpus(template, "bad-template"))
        {
            using var response = await ScoreAsync(http, value);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, kind);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json", kind);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("reason").GetString().Should().Be(reason, kind);
        }
        (await ScoreAsync(http, Encoding.UTF8.GetBytes(template))).StatusCode.Should().Be(HttpStatusCode.OK, "the service is still serving");
    }

    private static Task<HttpResponseMessage> ScoreAsync(HttpClient http, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return http.PostAsync("/api/score", content);
    }
}
