using System.Text;
using System.Text.Json;
using FraudDetection.Core.Messaging;
using Microsoft.AspNetCore.Builder;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Scoring;

/// <summary>
/// Malformed requests to Scoring's API (<c>POST /api/score</c> with its query, <c>GET /api/scoring/stats</c>) are a 4xx
/// problem, never a 500, and a good transaction is still scored after each: the bodies of
/// <see cref="MalformedTransactions.Corpus"/> and what HTTP adds (content types, sizes, query values, methods).
/// </summary>
[Trait("Category", "Integration")]
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private const string Score = "/api/score";

    public static IEnumerable<object?[]> Corpus() =>
    [
        .. MalformedTransactions.Corpus(Host.Template, "bad-template").Select(c => Row(c.Kind, "POST", Score, 400, JsonType, c.Value)),
        Row("empty body", "POST", Score, 400, JsonType, []),
        Row("1 MB string", "POST", Score, 400, JsonType, $$"""{"trans_num":"{{HugeString()}}"}"""),
        Row("text/plain", "POST", Score, 415, TextType, Host.Template),
        Row("form for JSON", "POST", Score, 415, FormType, "cc_num=1"),
        Row("no content type", "POST", Score, 415, null, Encoding.UTF8.GetBytes(Host.Template)),
        Row("oversized body", "POST", Score, 413, JsonType, Oversized()),
        Row("top=abc", "POST", $"{Score}?top=abc", 400, JsonType, Host.Template),
        Row("top=-1", "POST", $"{Score}?top=-1", 400, JsonType, Host.Template),
        Row("overflowing top", "POST", $"{Score}?top=99999999999999999999", 400, JsonType, Host.Template),
        Row("update_state=maybe", "POST", $"{Score}?update_state=maybe", 400, JsonType, Host.Template),
        Row("GET on score", "GET", Score, 405),
        Row("post to stats", "POST", "/api/scoring/stats", 405, JsonType, "{}"),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_request_is_a_4xx_problem_and_good_transactions_are_still_scored(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected);
        await AssertStillServingAsync(host.Http, "POST", Score, JsonType, Host.Template);
        await AssertStillServingAsync(host.Http, "GET", "/api/scoring/stats");
    }

    /// <summary>Scoring as <see cref="ScoringHost"/> wires it, over the harness's broker, with a champion serving.</summary>
    public sealed class Host : IAsyncLifetime
    {
        /// <summary>A valid transaction (the first Kaggle row) the corpus breaks.</summary>
        public static readonly string Template =
            JsonSerializer.Serialize(ScoringModels.KaggleRows(1)[0] with { TransNum = "bad-template" }, FraudJsonContext.Default.Transaction);

        private readonly ScoringHarness _harness = new();
        private WebApplication? _app;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await ScoringModels.RegistryWithChampionAsync(Path.Combine(_harness.Directory, "data", "registry"), ScoringModels.ModelA);
            _app = ScoringHost.Build(_harness);
            await _app.StartAsync();
            Http = Client(_app.BaseAddress());
            await ScoringHarness.WaitUntilAsync(() => SendAsync(Http, "POST", Score, JsonType, Encoding.UTF8.GetBytes(Template))
                .GetAwaiter().GetResult().StatusCode == System.Net.HttpStatusCode.OK, "the champion serving");
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
            _harness.Dispose();
        }
    }
}
