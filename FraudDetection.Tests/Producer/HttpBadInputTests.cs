using FraudDetection.Producer.Apis;
using FraudDetection.Producer.Extensions;
using Microsoft.AspNetCore.Builder;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Producer;

/// <summary>
/// Malformed requests to the Producer's control API (<c>/api/producer</c>) are a 4xx problem, never a 500, and the
/// API keeps serving: the host is wired as its Program wires it (ServiceDefaults), without a broker.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private const string Rate = "/api/producer/rate";
    private const string Burst = "/api/producer/burst";

    public static IEnumerable<object?[]> Corpus() =>
    [
        Row("truncated JSON", "PUT", Rate, 400, JsonType, """{"rate":"""),
        Row("array for object", "PUT", Rate, 400, JsonType, "[5]"),
        Row("string for number", "PUT", Rate, 400, JsonType, """{"rate":"fast"}"""),
        Row("NaN literal", "PUT", Rate, 400, JsonType, """{"rate":NaN}"""),
        Row("NaN string", "PUT", Rate, 400, JsonType, """{"rate":"NaN"}"""),
        Row("Infinity string", "PUT", Rate, 400, JsonType, """{"rate":"Infinity"}"""),
        Row("1e400", "PUT", Rate, 400, JsonType, """{"rate":1e400}"""),
        Row("negative rate", "PUT", Rate, 400, JsonType, """{"rate":-5}"""),
        Row("zero rate", "PUT", Rate, 400, JsonType, """{"rate":0}"""),
        Row("missing rate", "PUT", Rate, 400, JsonType, "{}"),
        Row("null body", "PUT", Rate, 400, JsonType, "null"),
        Row("duplicate keys", "PUT", Rate, 400, JsonType, """{"rate":-1,"rate":5}"""),
        Row("invalid UTF-8", "POST", Burst, 400, JsonType, InvalidUtf8("""{"scenario":"card""", "\"}")),
        Row("empty body", "PUT", Rate, 400, JsonType, []),
        Row("no content type", "PUT", Rate, 415, null, System.Text.Encoding.UTF8.GetBytes("""{"rate":5}""")),
        Row("text/plain", "PUT", Rate, 415, TextType, """{"rate":5}"""),
        Row("form for JSON", "PUT", Rate, 415, FormType, "rate=5"),
        Row("wrong method", "DELETE", Rate, 405),
        Row("oversized body", "PUT", Rate, 413, JsonType, Oversized()),
        Row("unknown scenario", "POST", Burst, 400, JsonType, """{"scenario":"bank-heist","count":1}"""),
        Row("missing scenario", "POST", Burst, 400, JsonType, """{"count":1}"""),
        Row("null scenario", "POST", Burst, 400, JsonType, """{"scenario":null}"""),
        Row("number for string", "POST", Burst, 400, JsonType, """{"scenario":7}"""),
        Row("1 MB scenario", "POST", Burst, 400, JsonType, $$"""{"scenario":"{{HugeString()}}"}"""),
        Row("zero count", "POST", Burst, 400, JsonType, """{"scenario":"card-testing","count":0}"""),
        Row("negative count", "POST", Burst, 400, JsonType, """{"scenario":"card-testing","count":-1}"""),
        Row("huge count", "POST", Burst, 400, JsonType, """{"scenario":"card-testing","count":1000000000}"""),
        Row("overflowing count", "POST", Burst, 400, JsonType, """{"scenario":"card-testing","count":99999999999999999999}"""),
        Row("fractional count", "POST", Burst, 400, JsonType, """{"scenario":"card-testing","count":1.5}"""),
        Row("object for body", "POST", Burst, 400, JsonType, "\"card-testing\""),
        Row("form for JSON burst", "POST", Burst, 415, FormType, "scenario=card-testing"),
        Row("GET on start", "GET", "/api/producer/start", 405),
        Row("unknown action", "POST", "/api/producer/explode", 404),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_request_is_a_4xx_problem_and_the_api_keeps_serving(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected);
        await AssertStillServingAsync(host.Http, "PUT", Rate, JsonType, """{"rate":5}""");
        await AssertStillServingAsync(host.Http, "GET", "/api/producer");
    }

    /// <summary>The Producer as its Program wires it, on loopback, with no broker (a burst would be a 503).</summary>
    public sealed class Host : IAsyncLifetime
    {
        private WebApplication? _app;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _app = await StartAsync(typeof(ProducerApi), new Dictionary<string, string?>
            {
                ["Producer:File"] = RepoPaths.KaggleSlice("fraudTrain.head.csv"),
                ["Producer:Rate"] = "5",
                ["Producer:Loop"] = "false",
                ["Producer:Autostart"] = "false",
            }, builder => builder.AddProducerServices(), app => app.MapProducerApi());
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
        }
    }
}
