using FraudDetection.Notifier.Apis;
using FraudDetection.Notifier.Extensions;
using FraudDetection.Core.Hosting;
using Microsoft.AspNetCore.Builder;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Notifier;

/// <summary>
/// Malformed requests to the Notifier's API (<c>/api/notifications?limit=</c>, <c>/status</c>) are a 4xx problem,
/// never a 500, and the API keeps serving: wired as its Program wires it, dry-run and without a broker.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private const string Outbox = "/api/notifications";

    public static IEnumerable<object?[]> Corpus() =>
    [
        Row("limit=-1", "GET", $"{Outbox}?limit=-1", 400),
        Row("limit=0", "GET", $"{Outbox}?limit=0", 400),
        Row("limit=abc", "GET", $"{Outbox}?limit=abc", 400),
        Row("limit=1000000000", "GET", $"{Outbox}?limit=1000000000", 400),
        Row("overflowing limit", "GET", $"{Outbox}?limit=99999999999999999999", 400),
        Row("fractional limit", "GET", $"{Outbox}?limit=2.5", 400),
        Row("NUL limit", "GET", $"{Outbox}?limit=%00", 400),
        Row("1 KB limit", "GET", $"{Outbox}?limit={new string('7', 1024)}", 400),
        Row("post to the outbox", "POST", Outbox, 405, JsonType, """{"text":"hi"}"""),
        Row("delete the outbox", "DELETE", Outbox, 405),
        Row("put to the status", "PUT", $"{Outbox}/status", 405, JsonType, "{}"),
        Row("dot-dot path", "GET", $"{Outbox}/..%2F..%2Fetc%2Fpasswd", 404),
        Row("NUL path", "GET", $"{Outbox}/%00", 400),
        Row("2 KB path", "GET", $"{Outbox}/{new string('a', 2048)}", 404),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_request_is_a_4xx_problem_and_the_api_keeps_serving(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected);
        await AssertStillServingAsync(host.Http, "GET", $"{Outbox}?limit=5");
        await AssertStillServingAsync(host.Http, "GET", $"{Outbox}/status");
    }

    /// <summary>The Notifier without Kakao credentials (dry-run) or a broker, its data in a temporary folder.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private readonly TempFolder _data = new("fd-notifier-bad-input");
        private WebApplication? _app;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _app = await StartAsync(typeof(NotifierApi), new Dictionary<string, string?>
            {
                [DataPaths.ConfigurationKey] = _data.Path,
                ["Notifier:CoalesceWindow"] = "00:00:00",
            }, builder => builder.AddNotifierServices(), app => app.MapNotifierApi());
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
            _data.Dispose();
        }
    }
}
