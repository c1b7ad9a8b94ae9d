using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.TestSupport;

/// <summary>
/// The shared pieces of the services' <c>HttpBadInputTests</c>: rows of (kind, method, path, content type, body,
/// expected status), sending one, and the checks every answer to malformed input must pass.
/// </summary>
internal static class HttpBadInput
{
    public const string JsonType = "application/json";
    public const string TextType = "text/plain";
    public const string FormType = "application/x-www-form-urlencoded";
    public const string Problem = "application/problem+json";
    public const string Html = "text/html";

    /// <summary>Over Kestrel's default 30 MB request body limit.</summary>
    public const int OversizedBytes = 31 * 1024 * 1024;

    public static object?[] Row(string kind, string method, string path, int expected, string? contentType = null, byte[]? body = null) =>
        [kind, method, path, contentType, body, expected];

    public static object?[] Row(string kind, string method, string path, int expected, string contentType, string body) =>
        Row(kind, method, path, expected, contentType, Encoding.UTF8.GetBytes(body));

    /// <summary>A JSON string of about 1 MB.</summary>
    public static string HugeString() => new('x', 1024 * 1024);

    /// <summary>Bytes that are not UTF-8 (a lone continuation byte and an overlong encoding) inside a JSON string.</summary>
    public static byte[] InvalidUtf8(string before, string after) =>
        [.. Encoding.UTF8.GetBytes(before), 0x80, 0xC0, 0xAF, 0xFF, .. Encoding.UTF8.GetBytes(after)];

    public static byte[] Oversized() => new byte[OversizedBytes];

    /// <summary>A client for a host under test: no retries, a timeout long enough for a 31 MB body on a busy machine.</summary>
    public static HttpClient Client(Uri baseAddress) => new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>
    /// A service as its Program wires it (ServiceDefaults, its services, the default endpoints, its API) on loopback,
    /// started, with warnings only in the log. In Development, as the app host runs it: there a parameter that does not
    /// bind throws (the exception handler's path); the Scoring and Web hosts run as Testing (an empty 400 instead).
    /// </summary>
    public static async Task<WebApplication> StartAsync(Type api, Dictionary<string, string?> settings,
        Action<WebApplicationBuilder> addServices, Action<WebApplication> mapApi, string? contentRoot = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = api.Assembly.GetName().Name,
            EnvironmentName = "Development",
            ContentRootPath = contentRoot,
        });
        builder.ListenOnLoopback();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddServiceDefaults();
        addServices(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        mapApi(app);
        await app.StartAsync();
        return app;
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path, string? contentType, byte[]? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null || contentType is not null)
        {
            request.Content = new ByteArrayContent(body ?? []);
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }
        }
        if (body is { Length: >= OversizedBytes })
        {
            // Wait for the server's go-ahead: its 413 then comes back before the body is sent, not as a reset connection.
            request.Headers.ExpectContinue = true;
        }
        return await http.SendAsync(request);
    }

    /// <summary>
    /// Sends the row and checks the answer: the expected status (never a 5xx) and its media type, a problem body
    /// unless <paramref name="mediaType"/> (of the path and status) says otherwise (an HTML page's own error page).
    /// </summary>
    public static async Task AssertRejectedAsync(HttpClient http, string kind, string method, string path, string? contentType, byte[]? body,
        int expected, Func<string, int, string>? mediaType = null)
    {
        using var response = await SendAsync(http, method, path, contentType, body);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        status.Should().BeLessThan(500, $"{kind}: malformed input is the client's fault: {Shorten(text)}");
        status.Should().Be(expected, $"{kind}: {Shorten(text)}");
        if (response.Content.Headers.ContentType is null && path.Contains("%00", StringComparison.Ordinal))
        {
            return; // Kestrel itself answers a NUL in the path, before the app: a bare 400
        }
        response.Content.Headers.ContentType!.MediaType.Should().Be(mediaType?.Invoke(path, status) ?? Problem, $"{kind}: {Shorten(text)}");
    }

    /// <summary>Checks that a good request still succeeds (2xx, or the redirect a form post answers).</summary>
    public static async Task AssertStillServingAsync(HttpClient http, string method, string path, string? contentType = null, string? body = null)
    {
        using var response = await SendAsync(http, method, path, contentType, body is null ? null : Encoding.UTF8.GetBytes(body));
        ((int)response.StatusCode).Should().BeInRange(200, 399, $"{method} {path} still works after malformed input");
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
