using FraudDetection.Training.Apis;
using FraudDetection.Training.Extensions;
using Microsoft.AspNetCore.Builder;
using static FraudDetection.Tests.TestSupport.HttpBadInput;

namespace FraudDetection.Tests.Training;

/// <summary>
/// Malformed requests to the Training API (<c>/api/training/runs[/{id}]</c>, <c>preflight</c>, <c>schedule</c>,
/// <c>models</c>) and its model pages (<c>/models/...</c>) are a 4xx, never a 500: a problem from the API, the page's
/// own HTML from a page that renders one. Wired as its Program wires it, with no schedule and no starter run.
/// </summary>
public sealed class HttpBadInputTests(HttpBadInputTests.Host host) : IClassFixture<HttpBadInputTests.Host>
{
    private const string Runs = "/api/training/runs";

    public static IEnumerable<object?[]> Corpus() =>
    [
        Row("unknown run id", "GET", $"{Runs}/no-such-run", 404),
        Row("dot-dot run id", "GET", $"{Runs}/..%2F..%2Fetc%2Fpasswd", 404),
        Row("NUL run id", "GET", $"{Runs}/%00", 400),
        Row("2 KB run id", "GET", $"{Runs}/{new string('r', 2048)}", 404),
        Row("overflowing run id", "GET", $"{Runs}/99999999999999999999", 404),
        Row("invalid UTF-8 run id", "GET", $"{Runs}/%FF%FE%C0%AF", 404),
        Row("put a run", "PUT", $"{Runs}/1", 405, JsonType, "{}"),
        Row("delete the runs", "DELETE", Runs, 405),
        Row("post to preflight", "POST", "/api/training/preflight", 405, JsonType, "{}"),
        Row("post to schedule", "POST", "/api/training/schedule", 405, JsonType, """{"schedule":"* * *"}"""),
        Row("post to models", "POST", "/api/training/models", 405, FormType, "version=1"),
        Row("unknown model version page", "GET", "/models/99999999999999999999", 404),
        Row("dot-dot model page", "GET", "/models/..%2F..%2Fetc", 404),
        Row("2 KB model page", "GET", $"/models/{new string('1', 2048)}", 404),
        Row("dot-dot model file", "GET", "/models/1/files/..%2F..%2Fregistry.json", 404),
        Row("NUL model file", "GET", "/models/1/files/plot%00.png", 400),
        Row("compare without versions", "GET", "/models/compare", 400),
        Row("compare a=abc", "GET", "/models/compare?a=abc&b=-1", 400),
        Row("compare unknown versions", "GET", "/models/compare?a=98&b=99", 404),
    ];

    [Theory]
    [MemberData(nameof(Corpus), DisableDiscoveryEnumeration = true)]
    public async Task Malformed_request_is_a_4xx_and_the_service_keeps_serving(string kind, string method, string path, string? contentType, byte[]? body, int expected)
    {
        await AssertRejectedAsync(host.Http, kind, method, path, contentType, body, expected, MediaType);
        await AssertStillServingAsync(host.Http, "GET", Runs);
        await AssertStillServingAsync(host.Http, "GET", "/api/training/schedule");
        await AssertStillServingAsync(host.Http, "GET", "/models");
    }

    /// <summary>The model pages render their own HTML page for a bad or unknown version; a missing file is a problem.</summary>
    private static string MediaType(string path, int status) =>
        path.StartsWith("/models/", StringComparison.Ordinal) && !path.Contains("/files/", StringComparison.Ordinal) ? Html : Problem;

    /// <summary>The Training service over an empty registry in a temporary folder: no schedule, no starter run.</summary>
    public sealed class Host : IAsyncLifetime
    {
        private readonly TempFolder _data = new("fd-training-bad-input");
        private WebApplication? _app;

        public HttpClient Http { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var trainingFile = Path.Combine(_data.Path, "labelled.csv");
            File.WriteAllText(trainingFile, "trans_date_trans_time,cc_num\n");
            _app = await StartAsync(typeof(TrainingApi), new Dictionary<string, string?>
            {
                ["FraudDetection:DataDirectory"] = Path.Combine(_data.Path, "data"),
                ["Training:DataFiles:0"] = trainingFile,
                ["Training:TrainStarterModel"] = "false",
                ["Training:ScheduleEnabled"] = "false",
                ["Training:PreflightTimeout"] = "00:00:02",
            }, builder => builder.AddTrainingServices(), app => app.MapTrainingApi(), contentRoot: _data.Path);
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
