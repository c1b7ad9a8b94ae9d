using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Write requests (POST, PUT, PATCH, DELETE) from beyond this machine need the <c>X-Api-Key</c> header to equal
/// <c>FraudDetection:ApiKey</c>; reads, health and metrics stay open, and callers on loopback need nothing (a
/// laptop run stays friction-free). <c>FraudDetection:ApiKeyRequired=always</c> asks loopback callers too (a
/// reverse proxy on the same host). Without a configured key, remote writes are refused. An endpoint that authorises
/// its callers itself (a signed link a card holder opens) opts out with <see cref="ApiKeyEndpointExtensions.AuthorizedByItself{TBuilder}"/>.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IConfiguration configuration, ILogger<ApiKeyMiddleware> logger)
{
    public const string HeaderName = "X-Api-Key";
    public const string KeySetting = "FraudDetection:ApiKey";
    public const string RequiredSetting = "FraudDetection:ApiKeyRequired";

    public Task InvokeAsync(HttpContext context)
    {
        if (!NeedsKey(context))
        {
            return next(context);
        }
        var configured = configuration[KeySetting];
        if (string.IsNullOrEmpty(configured))
        {
            logger.LogWarning("Refused {Method} {Path} from {Remote}: writes from beyond loopback need {Setting} to be configured",
                context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress, KeySetting);
            return Refuse(context, StatusCodes.Status403Forbidden,
                $"Write requests from beyond this machine are refused until {KeySetting} is configured.");
        }
        if (!Matches(context.Request.Headers[HeaderName].ToString(), configured))
        {
            logger.LogWarning("Refused {Method} {Path} from {Remote}: missing or wrong {Header}",
                context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress, HeaderName);
            return Refuse(context, StatusCodes.Status401Unauthorized, $"Send the service's API key in the {HeaderName} header.");
        }
        return next(context);
    }

    private bool NeedsKey(HttpContext context)
    {
        var method = context.Request.Method;
        if (context.GetEndpoint()?.Metadata.GetMetadata<AuthorizedByItselfMetadata>() is not null)
        {
            return false;
        }
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            return false;
        }
        return string.Equals(configuration[RequiredSetting], "always", StringComparison.OrdinalIgnoreCase)
            || !IsLoopback(context.Connection.RemoteIpAddress);
    }

    // No remote address is an in-process caller (a test server), as local as loopback.
    private static bool IsLoopback(IPAddress? remote) =>
        remote is null || IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);

    private static bool Matches(string presented, string configured) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(configured)));

    private static Task Refuse(HttpContext context, int status, string detail)
    {
        return Results.Problem(detail, statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "API key required" : "Writes not enabled")
            .ExecuteAsync(context);
    }
}

/// <summary>Marks an endpoint that checks its callers itself, so <see cref="ApiKeyMiddleware"/> lets its writes through.</summary>
public sealed class AuthorizedByItselfMetadata;

public static class ApiKeyEndpointExtensions
{
    /// <summary>
    /// The endpoint's writes need no API key: it authorises each request itself (e.g. an HMAC token bound to one
    /// resource), because its callers are people on their own devices who never hold the service's key.
    /// </summary>
    public static TBuilder AuthorizedByItself<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuthorizedByItselfMetadata());
}
