using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.TestSupport;

/// <summary>Service hosts started inside a test: on 127.0.0.1, on a port the system picks.</summary>
internal static class TestHosts
{
    /// <summary>Listen on 127.0.0.1 on a free port; read it back with <see cref="BaseAddress"/> once started.</summary>
    public static WebApplicationBuilder ListenOnLoopback(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        return builder;
    }

    /// <summary>The address a started host listens on.</summary>
    public static Uri BaseAddress(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
