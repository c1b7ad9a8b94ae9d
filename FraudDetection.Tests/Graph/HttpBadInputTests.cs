using FraudDetection.Graph.Apis;
using FraudDetection.Graph.Extensions;
using Microsoft.AspNetCore.Builder;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Graph;

/// <summary>
/// Malformed queries to the graph API (<c>/api/graph/...</c>: limits, windows, card numbers, bins, speeds) are a 4xx
/// problem, never a 500, and the API keeps serving: ServiceDefaults and the graph store (SQLite) as the service wires them.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private const string Latest = "/api/graph/transactions/latest";
    private const string Card = "/api/graph/cards";
    private const string Shared = "/api/graph/merchants/shared-by-alerted-cards";
    private const string Travel = "/api/graph/cards/impossible-travel";
    private const string Amounts = "/api/graph/amounts/distribution";

    public static IEnumerable<object?[]> Corpus() =>
    [
        Row("limit=-1", "GET", $"{Latest}?limit=-1", 400),
        Row("limit=0", "GET", $"{Latest}?limit=0", 400),
        Row("limit=abc", "GET", $"{Latest}?limit=abc", 400),
        Row("limit=1000000000", "GET", $"{Latest}?limit=1000000000", 400),
        Row("overflowing limit", "GET", $"{Latest}?limit=99999999999999999999", 400),
        Row("fractional limit", "GET", $"{Latest}?limit=1.5", 400),
        Row("NUL limit", "GET", $"{Latest}?limit=%00", 400),
        Row("labels limit=-1", "GET", "/api/graph/labels/latest?limit=-1", 400),
        Row("merchants limit=abc", "GET", "/api/graph/merchants/by-volume?limit=abc", 400),
        Row("fraud by merchant limit=1000000000", "GET", "/api/graph/fraud/by-merchant?limit=1000000000", 400),
        Row("geo limit=0", "GET", "/api/graph/fraud/geo?limit=0", 400),
        Row("overflowing card number", "GET", $"{Card}/99999999999999999999/neighbourhood", 404),
        Row("2 KB card number", "GET", $"{Card}/{new string('9', 2048)}/neighbourhood", 404),
        Row("card number not a number", "GET", $"{Card}/abc/neighbourhood", 404),
        Row("NUL card number", "GET", $"{Card}/%00/neighbourhood", 400),
        Row("dot-dot card number", "GET", $"{Card}/..%2F..%2Fetc/neighbourhood", 404),
        Row("unknown card", "GET", $"{Card}/1/neighbourhood", 404),
        Row("unparseable date", "GET", $"{Card}/1/neighbourhood?from=yesterday", 400),
        Row("impossible date", "GET", $"{Card}/1/neighbourhood?from=2020-02-30", 400),
        Row("far past to far future", "GET", $"{Card}/1/neighbourhood?from=0001-01-01&to=9999-12-31", 400),
        Row("reversed window", "GET", $"{Shared}?from=2021-01-01&to=2020-01-01", 400),
        Row("window too long", "GET", $"{Shared}?from=2000-01-01&to=2020-01-01", 400),
        Row("minCards=abc", "GET", $"{Shared}?minCards=abc", 400),
        Row("overflowing minCards", "GET", $"{Shared}?minCards=99999999999", 400),
        Row("shared limit=-1", "GET", $"{Shared}?limit=-1", 400),
        Row("speed NaN", "GET", $"{Travel}?speedKmh=NaN", 400),
        Row("speed Infinity", "GET", $"{Travel}?speedKmh=Infinity", 400),
        Row("speed 1e400", "GET", $"{Travel}?speedKmh=1e400", 400),
        Row("negative speed", "GET", $"{Travel}?speedKmh=-900", 400),
        Row("zero speed", "GET", $"{Travel}?speedKmh=0", 400),
        Row("speed abc", "GET", $"{Travel}?speedKmh=abc", 400),
        Row("travel date far future", "GET", $"{Travel}?from=0001-01-01&to=9999-12-31T23:59:59", 400),
        Row("binWidth NaN", "GET", $"{Amounts}?binWidth=NaN", 400),
        Row("binWidth Infinity", "GET", $"{Amounts}?binWidth=Infinity&openFrom=Infinity", 400),
        Row("binWidth 1e400", "GET", $"{Amounts}?binWidth=1e400&openFrom=1e400", 400),
        Row("openFrom NaN", "GET", $"{Amounts}?openFrom=NaN", 400),
        Row("negative binWidth", "GET", $"{Amounts}?binWidth=-50", 400),
        Row("zero binWidth", "GET", $"{Amounts}?binWidth=0", 400),
        Row("binWidth abc", "GET", $"{Amounts}?binWidth=abc", 400),
        Row("write to a read API", "POST", "/api/graph/totals", 405, JsonType, "{}"),
        Row("unknown query", "GET", "/api/graph/nope", 404),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_query_is_a_4xx_problem_and_the_api_keeps_serving(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected);
        await AssertStillServingAsync(host.Http, "GET", "/api/graph/totals");
        await AssertStillServingAsync(host.Http, "GET", $"{Latest}?limit=5");
    }

    /// <summary>The graph API over an empty SQLite graph in a temporary folder.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private readonly TempFolder _data = new("fd-graph-bad-input");
        private WebApplication? _app;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _app = await StartAsync(typeof(GraphApi), new Dictionary<string, string?> { ["FraudDetection:DataDirectory"] = _data.Path },
                builder => builder.AddGraphStore(), app => app.MapGraphApi());
            Http = Client(_app.BaseAddress());
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _data.Dispose();
        }
    }
}
