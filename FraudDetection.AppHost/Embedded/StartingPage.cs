using System.Net;
using System.Text;
using FraudDetection.AppHost.Dashboard;

namespace FraudDetection.AppHost.Embedded;

/// <summary>
/// Answers on the page's port while the starter model trains (before the services start), so the URL works at
/// once: the resources' states, refreshed every two seconds; <c>/health</c> says 503 until the system is up.
/// </summary>
public sealed class StartingPage : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StartingPage(WebApplication app) => _app = app;

    public static async Task<StartingPage> StartAsync(AppHostOptions options, ResourceCatalog catalog, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(options.BindUrl);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", () => Results.Content(Render(catalog), "text/html; charset=utf-8"));
        app.MapGet("/health", () => Results.Text("Starting", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/alive", () => Results.Text("Healthy"));
        app.MapGet("/api/apphost/state", () => Results.Json(
            new { starting = true, resources = catalog.Resources.Select(r => new { r.Name, r.State }) },
            statusCode: StatusCodes.Status503ServiceUnavailable));
        await app.StartAsync(cancellationToken);
        return new StartingPage(app);
    }

    private static string Render(ResourceCatalog catalog)
    {
        var rows = new StringBuilder();
        foreach (var r in catalog.Resources)
        {
            rows.Append($"<tr><td><b>{WebUtility.HtmlEncode(r.Name)}</b></td><td>{WebUtility.HtmlEncode(r.State)}</td></tr>");
        }
        return $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>FraudDetection — starting</title>
            <style>body{font-family:system-ui,sans-serif;margin:24px;color:#1d2330}td{padding:4px 12px;border-bottom:1px solid #eceef2}</style>
            </head><body><h1>FraudDetection is starting…</h1>
            <p>The first run trains a starter model from the bundled sample; the services start when it is champion.</p>
            <table>{{rows}}</table></body></html>
            """;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
