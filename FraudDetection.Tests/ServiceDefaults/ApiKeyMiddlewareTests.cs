using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Tests.ServiceDefaults;

/// <summary>Writes from beyond loopback need the API key; reads and local callers need nothing.</summary>
public sealed class ApiKeyMiddlewareTests
{
    private const string Key = "k3y-for-tests";

    [Theory]
    [InlineData("POST", "10.1.2.3", null, null, 403)]          // remote write, no key configured: refused
    [InlineData("POST", "10.1.2.3", Key, null, 401)]           // remote write without the header
    [InlineData("PUT", "10.1.2.3", Key, "wrong", 401)]         // remote write with a wrong key
    [InlineData("DELETE", "192.168.0.7", Key, Key, 200)]       // remote write with the key
    [InlineData("POST", "::ffff:10.1.2.3", Key, null, 401)]    // IPv4 mapped to IPv6 is still remote
    [InlineData("GET", "10.1.2.3", Key, null, 200)]            // reads stay open
    [InlineData("POST", "127.0.0.1", Key, null, 200)]          // loopback is friction-free
    [InlineData("POST", "::1", null, null, 200)]
    [InlineData("POST", "::ffff:127.0.0.1", null, null, 200)]
    public async Task A_request_passes_only_when_local_a_read_or_carrying_the_key(string method, string remote, string? configuredKey, string? header, int expected)
    {
        var (context, reachedEndpoint) = await SendAsync(method, remote, configuredKey, header, required: null);

        context.Response.StatusCode.Should().Be(expected);
        reachedEndpoint.Should().Be(expected == 200);
        if (expected != 200)
        {
            context.Response.ContentType.Should().StartWith("application/problem+json");
            Body(context).Should().Contain(expected == 403 ? ApiKeyMiddleware.KeySetting : ApiKeyMiddleware.HeaderName)
                .And.NotContain(Key, "the key is never echoed");
        }
    }

    [Fact]
    public async Task Required_always_asks_loopback_callers_too()
    {
        (await SendAsync("POST", "127.0.0.1", Key, null, required: "always")).Context.Response.StatusCode.Should().Be(401);
        (await SendAsync("POST", "127.0.0.1", Key, Key, required: "always")).Context.Response.StatusCode.Should().Be(200);
    }

    private static async Task<(HttpContext Context, bool ReachedEndpoint)> SendAsync(string method, string remote, string? configuredKey, string? header, string? required)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [ApiKeyMiddleware.KeySetting] = configuredKey,
            [ApiKeyMiddleware.RequiredSetting] = required,
        }).Build();
        var reached = false;
        var middleware = new ApiKeyMiddleware(c => { reached = true; c.Response.StatusCode = 200; return Task.CompletedTask; },
            configuration, NullLogger<ApiKeyMiddleware>.Instance);
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider(),
        };
        context.Request.Method = method;
        context.Request.Path = "/api/producer/start";
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        context.Response.Body = new MemoryStream();
        if (header is not null)
        {
            context.Request.Headers[ApiKeyMiddleware.HeaderName] = header;
        }
        await middleware.InvokeAsync(context);
        return (context, reached);
    }

    private static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }
}
