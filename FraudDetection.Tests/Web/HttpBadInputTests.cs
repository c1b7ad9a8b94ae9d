using System.Text;
using FraudDetection.Core.Messaging;
using FraudDetection.Tests.Notifier;
using FraudDetection.Web.Alerts;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Web;

/// <summary>
/// Malformed requests to the web service (the alert pages and their form posts, <c>/api/alerts</c> with its queue,
/// feedback and verdict, <c>/api/web</c>, the fragments) are a 4xx, never a 500, and nothing is recorded: a problem
/// from the API and the form posts, the page's own HTML for a link that leads nowhere. Wired by <see cref="WebTestHost"/>.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private static readonly string Id = Host.Alert.AlertId;
    private static readonly string Token = new AlertLinkTokens(WebTestHost.Secret).Create(Host.Alert.AlertId);
    private static readonly string Feedback = $"/api/alerts/{Id}/feedback?t={Token}";
    private static readonly string Verdict = $"/api/alerts/{Id}/verdict";
    private static readonly string Answer = $"/alerts/{Id}/answer?t={Token}";
    private static readonly string VerdictForm = $"/alerts/{Id}/verdict";
    private const string Multipart = "multipart/form-data";

    public static IEnumerable<object?[]> Corpus() =>
    [
        // The card holder's answer (JSON).
        Row("truncated JSON", "POST", Feedback, 400, JsonType, """{"verdict":"no"""),
        Row("array for object", "POST", Feedback, 400, JsonType, """["not_me"]"""),
        Row("number for string", "POST", Feedback, 400, JsonType, """{"verdict":1}"""),
        Row("unknown verdict", "POST", Feedback, 400, JsonType, """{"verdict":"maybe"}"""),
        Row("missing verdict", "POST", Feedback, 400, JsonType, "{}"),
        Row("null body", "POST", Feedback, 400, JsonType, "null"),
        Row("empty body", "POST", Feedback, 400, JsonType, []),
        Row("invalid UTF-8", "POST", Feedback, 400, JsonType, InvalidUtf8("""{"verdict":"not_me""", "\"}")),
        Row("duplicate keys", "POST", Feedback, 400, JsonType, """{"verdict":"not_me","verdict":"me"}"""),
        Row("1 MB verdict", "POST", Feedback, 400, JsonType, $$"""{"verdict":"{{HugeString()}}"}"""),
        Row("text/plain", "POST", Feedback, 415, TextType, """{"verdict":"not_me"}"""),
        Row("form for JSON", "POST", Feedback, 415, FormType, "verdict=not_me"),
        Row("no content type", "POST", Feedback, 415, null, Encoding.UTF8.GetBytes("""{"verdict":"not_me"}""")),
        Row("oversized body", "POST", Feedback, 413, JsonType, Oversized()),
        Row("wrong token", "POST", $"/api/alerts/{Id}/feedback?t=wrong", 404, JsonType, """{"verdict":"not_me"}"""),
        Row("no token", "POST", $"/api/alerts/{Id}/feedback", 404, JsonType, """{"verdict":"not_me"}"""),
        Row("dot-dot alert id", "POST", "/api/alerts/..%2F..%2Fetc/feedback?t=x", 404, JsonType, """{"verdict":"not_me"}"""),
        Row("NUL alert id", "POST", "/api/alerts/%00/feedback?t=x", 400, JsonType, """{"verdict":"not_me"}"""),
        Row("2 KB alert id", "POST", $"/api/alerts/{new string('a', 2048)}/feedback?t=x", 404, JsonType, """{"verdict":"not_me"}"""),
        Row("GET on feedback", "GET", Feedback, 405),
        // The analyst's verdict (JSON).
        Row("verdict truncated JSON", "POST", Verdict, 400, JsonType, """{"label":"""),
        Row("unknown label", "POST", Verdict, 400, JsonType, """{"label":"suspicious"}"""),
        Row("object for label", "POST", Verdict, 400, JsonType, """{"label":{"fraud":true}}"""),
        Row("duplicate label keys", "POST", Verdict, 400, JsonType, """{"label":"fraud","label":"genuine"}"""),
        Row("verdict text/plain", "POST", Verdict, 415, TextType, """{"label":"fraud"}"""),
        Row("verdict form for JSON", "POST", Verdict, 415, FormType, "label=fraud"),
        Row("verdict oversized", "POST", Verdict, 413, JsonType, Oversized()),
        Row("verdict for a 2 KB id", "POST", $"/api/alerts/{new string('b', 2048)}/verdict", 404, JsonType, """{"label":"fraud"}"""),
        // The queue.
        Row("unknown status", "GET", "/api/alerts?status=stolen", 400),
        Row("4 KB status", "GET", $"/api/alerts?status={new string('s', 4096)}", 400),
        Row("limit=-1", "GET", "/api/alerts?limit=-1", 400),
        Row("limit=abc", "GET", "/api/alerts?limit=abc", 400),
        Row("limit=1000000000", "GET", "/api/alerts?limit=1000000000", 400),
        Row("overflowing limit", "GET", "/api/alerts?limit=99999999999999999999", 400),
        Row("unparseable from", "GET", "/api/alerts?from=last-tuesday", 400),
        Row("impossible date", "GET", "/api/alerts?to=2021-13-45", 400),
        Row("far past to far future", "GET", "/api/alerts?from=0001-01-01&to=9999-12-31", 400),
        Row("reversed window", "GET", "/api/alerts?from=2021-01-01T00:00:00Z&to=2020-01-01T00:00:00Z", 400),
        Row("after the last date", "GET", "/api/alerts?to=9999-12-31T23:59:59-14:00", 400),
        // The pages and their forms.
        Row("queue page unknown status", "GET", "/alerts?status=stolen", 400),
        Row("queue page limit=abc", "GET", "/alerts?limit=abc", 400),
        Row("holder page wrong token", "GET", $"/alerts/{Id}?t=wrong", 404),
        Row("holder page 2 KB id", "GET", $"/alerts/{new string('c', 2048)}?t=x", 404),
        Row("holder page NUL id", "GET", "/alerts/%00?t=x", 400),
        Row("answer form without verdict", "POST", Answer, 400, FormType, "other=1"),
        Row("answer form unknown verdict", "POST", Answer, 400, FormType, "verdict=maybe"),
        Row("answer form bad percent-encoding", "POST", Answer, 400, FormType, "verdict=%ZZ%FF"),
        Row("JSON for form", "POST", Answer, 400, JsonType, """{"verdict":"not_me"}"""),
        Row("multipart without boundary", "POST", Answer, 400, Multipart, "verdict=not_me"),
        Row("form value past the form limit", "POST", Answer, 400, FormType, "verdict=" + new string('x', 5 * 1024 * 1024)),
        Row("form key past the form limit", "POST", Answer, 400, FormType, new string('k', 4096) + "=1"),
        Row("answer form wrong token", "POST", $"/alerts/{Id}/answer?t=wrong", 404, FormType, "verdict=not_me"),
        Row("verdict form unknown label", "POST", VerdictForm, 400, FormType, "label=suspicious"),
        Row("verdict form JSON for form", "POST", VerdictForm, 400, JsonType, """{"label":"fraud"}"""),
        Row("verdict form multipart without boundary", "POST", VerdictForm, 400, Multipart, "label=fraud"),
        Row("verdict form unknown alert", "POST", "/alerts/no-such-alert/verdict", 404, FormType, "label=fraud"),
        // The overview.
        Row("post to the counters", "POST", "/api/web/counters", 405, JsonType, "{}"),
        Row("unknown fragment", "GET", "/fragments/..%2F..%2Fetc", 404),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_request_is_a_4xx_and_the_service_keeps_serving_and_records_nothing(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected, MediaType);
        await AssertStillServingAsync(host.Http, "GET", "/api/alerts?status=all");
        await AssertStillServingAsync(host.Http, "GET", "/alerts");
        await AssertStillServingAsync(host.Http, "GET", $"/alerts/{Id}?t={Token}");
        host.App.Services.GetRequiredService<AlertStore>().Find(Id)!.Status.Should().Be("open", $"{kind} records no answer or verdict");
    }

    /// <summary>The holder's page (and the answer form behind its link) shows its own HTML page for a link that leads nowhere.</summary>
    private static string MediaType(string path, int status) =>
        status == 404 && path.StartsWith("/alerts/", StringComparison.Ordinal) && !path.Contains("/verdict", StringComparison.Ordinal) ? Html : Problem;

    /// <summary>The web service without a broker, one open alert in its store, and no rate limit on the answers.</summary>
    public sealed class Host : IAsyncLifetime
    {
        public static readonly FraudDetection.Core.Messaging.FraudAlert Alert = TestAlerts.Make("w-bad-input-1");

        private readonly TempFolder _data = new("fd-web-bad-input");

        public WebApplication App { get; private set; } = null!;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await WebTestHost.StartAsync(_data.Path, null, new Dictionary<string, string?> { ["Web:AnswersPerMinute"] = "1000000" });
            App.Services.GetRequiredService<AlertStore>().Add(Alert).Should().BeTrue();
            Http = Client(App.BaseAddress());
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _data.Dispose();
        }
    }
}
