using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Tests.Notifier;
using FraudDetection.Web.Alerts;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.Web;

/// <summary>
/// web over a real (embedded) broker: alerts from fraud.alerts kept once, the card holder's page and answer behind the
/// link's token, the analyst queue and verdict, and exactly one label on fraud.labels per decision.
/// </summary>
[Trait("Category", "Integration")]
public sealed class AlertFeedbackTests : IDisposable
{
    private readonly TempFolder _data = new("fd-web-alerts");

    public void Dispose() => _data.Dispose();

    private static readonly AlertLinkTokens Tokens = new(WebTestHost.Secret);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_holder_answers_once_behind_the_token_and_the_analyst_decides_each_publishing_one_label()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 2);
        var answered = TestAlerts.Make("w-answer-1", amount: 912.34);
        var other = TestAlerts.Make("w-other-2", card: TestAlerts.OtherCardNumber, amount: 45.10, merchant: "fraud_Haley Group");
        // The first alert twice: a redelivery.
        WebTestHost.Produce(kafka.BootstrapServers, answered, other, answered);
        await using var web = await WebTestHost.StartAsync(_data.Path, kafka.BootstrapServers);
        using var http = new HttpClient { BaseAddress = web.BaseAddress() };

        await WebTestHost.WaitUntil(async () => (await http.GetFromJsonAsync<JsonElement>("/api/alerts?status=all")).GetArrayLength() >= 2, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        var all = await http.GetFromJsonAsync<JsonElement>("/api/alerts?status=all");
        all.GetArrayLength().Should().Be(2, "an alert read twice is stored once");
        all.EnumerateArray().Select(a => a.GetProperty("card_masked").GetString()).Should().BeEquivalentTo(["****0366", "****9424"]);

        // The page: right token only; a wrong, missing or other alert's token and an unknown alert all look the same.
        var link = $"/alerts/{answered.AlertId}?t={Tokens.Create(answered.AlertId)}";
        var page = await http.GetAsync(link);
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.Should().Contain("****0366").And.Contain("$912.34").And.Contain("Kirlin and Sons").And.Contain("2020-06-21 23:14")
            .And.Contain("an unusually large amount").And.Contain("It was me").And.Contain("It wasn't me")
            .And.NotContain(TestAlerts.CardNumber.ToString()).And.NotContain("fraud_Kirlin");
        var notFound = await (await http.GetAsync($"/alerts/{answered.AlertId}?t=wrong")).Content.ReadAsStringAsync();
        foreach (var wrong in new[]
        {
            $"/alerts/{answered.AlertId}?t={Tokens.Create(other.AlertId)}", $"/alerts/{answered.AlertId}",
            $"/alerts/unknown-alert?t={Tokens.Create("unknown-alert")}", $"/alerts/{answered.AlertId}?t={new AlertLinkTokens("another secret").Create(answered.AlertId)}",
        })
        {
            var response = await http.GetAsync(wrong);
            response.StatusCode.Should().Be(HttpStatusCode.NotFound, wrong);
            (await response.Content.ReadAsStringAsync()).Should().Be(notFound, "a wrong link reveals nothing about the alert");
        }

        // The answer API.
        var feedback = $"/api/alerts/{answered.AlertId}/feedback?t={Tokens.Create(answered.AlertId)}";
        (await http.PostAsync($"/api/alerts/{answered.AlertId}/feedback?t={Tokens.Create(other.AlertId)}", Json("""{"verdict":"not_me"}""")))
            .StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.PostAsync($"/api/alerts/{answered.AlertId}/feedback", Json("""{"verdict":"not_me"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.PostAsync($"/api/alerts/nope/feedback?t={Tokens.Create("nope")}", Json("""{"verdict":"not_me"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        foreach (var bad in new[] { """{"verdict":"maybe"}""", "{not json", "{}" })
        {
            var response = await http.PostAsync(feedback, Json(bad));
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest, bad);
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }
        (await http.PostAsync(feedback, Json("""{"verdict":"not_me"}"""))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        var second = await http.PostAsync(feedback, Json("""{"verdict":"me"}"""));
        second.StatusCode.Should().Be(HttpStatusCode.Conflict);
        second.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await second.Content.ReadAsStringAsync()).Should().Contain("already been answered");

        var labels = WebTestHost.ReadLabels(kafka.BootstrapServers, expected: 1, TimeSpan.FromSeconds(30));
        var (key, label) = labels.Should().ContainSingle("one answer, one label").Subject;
        key.Should().Be(answered.CardId);
        label.Should().BeEquivalentTo(new
        {
            TransNum = "w-answer-1", CardId = answered.CardId, Label = LabelValues.Fraud, Source = LabelSources.Customer,
            TransactionTime = answered.LocalTime, AlertId = answered.AlertId,
        });
        label.LearnedAt.Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        // The queue: "not me" confirmed the alert for the analysts; filters by status and window; bounds checked.
        var confirmed = await http.GetFromJsonAsync<JsonElement>("/api/alerts?status=confirmed");
        confirmed.EnumerateArray().Select(a => a.GetProperty("alert_id").GetString()).Should().Equal(answered.AlertId);
        confirmed[0].GetProperty("holder_answer").GetString().Should().Be("not_me");
        (await http.GetFromJsonAsync<JsonElement>("/api/alerts?status=open")).EnumerateArray().Select(a => a.GetProperty("alert_id").GetString())
            .Should().Equal(other.AlertId);
        (await http.GetFromJsonAsync<JsonElement>("/api/alerts")).GetArrayLength().Should().Be(2, "pending: open and confirmed");
        var future = DateTime.UtcNow.AddHours(1).ToString("s");
        (await http.GetFromJsonAsync<JsonElement>($"/api/alerts?status=all&from={future}")).GetArrayLength().Should().Be(0);
        (await http.GetFromJsonAsync<JsonElement>($"/api/alerts?status=all&to={future}&limit=1")).GetArrayLength().Should().Be(1);
        (await http.GetAsync("/api/alerts?limit=0")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync($"/api/alerts?from={future}&to={DateTime.UtcNow:s}")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync("/api/alerts?status=sideways")).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var queue = await (await http.GetAsync("/alerts")).Content.ReadAsStringAsync();
        queue.Should().Contain("Alert queue").And.Contain("****0366").And.Contain("****9424").And.Contain("it wasn&#39;t me")
            .And.Contain("0.970<br><span class=\"muted\">threshold 0.500<br>model v3</span>", "each score beside the threshold and model it was judged by")
            .And.NotContain(TestAlerts.CardNumber.ToString()).And.NotContain(TestAlerts.OtherCardNumber.ToString());

        // The analyst's verdict: once, one label, source analyst.
        var verdict = $"/api/alerts/{other.AlertId}/verdict";
        (await http.PostAsync(verdict, Json("""{"label":"probably"}"""))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.PostAsync("/api/alerts/nope/verdict", Json("""{"label":"genuine"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.PostAsync(verdict, Json("""{"label":"genuine"}"""))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await http.PostAsync(verdict, Json("""{"label":"fraud"}"""))).StatusCode.Should().Be(HttpStatusCode.Conflict);
        labels = WebTestHost.ReadLabels(kafka.BootstrapServers, expected: 2, TimeSpan.FromSeconds(30));
        labels.Should().HaveCount(2, "one more decision, one more label");
        // Keyed by card: the two labels may sit on different partitions, in either order.
        var analyst = labels.Should().ContainSingle(l => l.Label.Source == LabelSources.Analyst).Subject;
        analyst.Key.Should().Be(other.CardId);
        analyst.Label.Should().BeEquivalentTo(new { TransNum = "w-other-2", Label = LabelValues.Genuine, Source = LabelSources.Analyst, AlertId = other.AlertId });
        (await http.GetFromJsonAsync<JsonElement>("/api/alerts?status=genuine")).EnumerateArray().Select(a => a.GetProperty("alert_id").GetString())
            .Should().Equal(other.AlertId);
        web.Services.GetRequiredService<LabelPublisher>().Published.Should().Be(2);
    }

    [Fact]
    public async Task Answers_are_rate_limited_per_address_and_need_no_api_key_while_verdicts_do()
    {
        await using var web = await WebTestHost.StartAsync(_data.Path, bootstrap: null, new()
        {
            ["Web:AnswersPerMinute"] = "2",
            ["FraudDetection:ApiKey"] = "analyst-key",
            // Loopback callers need the key too, as a remote analyst would.
            ["FraudDetection:ApiKeyRequired"] = "always",
        });
        using var http = new HttpClient { BaseAddress = web.BaseAddress() };
        var answer = $"/api/alerts/a-1/feedback?t={Tokens.Create("a-1")}";

        (await http.PostAsync(answer, Json("""{"verdict":"me"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound, "the token is the answer's authorisation, not the API key");
        (await http.PostAsync(answer, Json("""{"verdict":"me"}"""))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        using var limited = await http.PostAsync(answer, Json("""{"verdict":"me"}"""));
        limited.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        limited.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await limited.Content.ReadAsStringAsync()).Should().Contain("Too many answers").And.Contain("At most 2 answers a minute");
        limited.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(60));
        (await http.PostAsync($"/alerts/a-1/answer?t={Tokens.Create("a-1")}", new FormUrlEncodedContent([new("verdict", "me")])))
            .StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "the answer page's form shares the address's window");
        (await http.PostAsync("/api/alerts/a-1/verdict", Json("""{"label":"fraud"}"""))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        using var withKey = new HttpRequestMessage(HttpMethod.Post, "/api/alerts/a-1/verdict") { Content = Json("""{"label":"fraud"}""") };
        withKey.Headers.Add("X-Api-Key", "analyst-key");
        (await http.SendAsync(withKey)).StatusCode.Should().Be(HttpStatusCode.NotFound, "the key lets the analyst through to an unknown alert");
    }
}
