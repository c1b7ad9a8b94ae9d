using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;

namespace FraudDetection.Training.Pages;

/// <summary>Maps the model dictionary under <c>/models</c>: the list, a version, a version's plots, two versions compared.</summary>
public static class ModelPages
{
    public static IEndpointRouteBuilder MapModelPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/models").WithTags("Model dictionary");

        pages.MapGet("/", async (IModelRegistryAdmin registry, CancellationToken cancellationToken) =>
        {
            var versions = await registry.ListVersionsAsync(cancellationToken);
            return Html(ModelPageRenderer.List(versions.Select(ModelPageData.Load).ToList(), registry.Location));
        });

        pages.MapGet("/compare", async (string? a, string? b, IModelRegistryAdmin registry, CancellationToken cancellationToken) =>
        {
            if (!IsVersion(a) || !IsVersion(b))
            {
                return Html(ModelPageRenderer.NotFound("Give two versions: /models/compare?a=1&b=2"), StatusCodes.Status400BadRequest);
            }

            var left = await registry.GetVersionAsync(a!, cancellationToken);
            var right = await registry.GetVersionAsync(b!, cancellationToken);
            if (left is null || right is null)
            {
                return Html(ModelPageRenderer.NotFound($"Version {(left is null ? a : b)} does not exist."), StatusCodes.Status404NotFound);
            }

            return Html(ModelPageRenderer.Compare(ModelPageData.Load(left), ModelPageData.Load(right)));
        });

        pages.MapGet("/{version}", async (string version, IModelRegistryAdmin registry, CancellationToken cancellationToken) =>
        {
            var found = IsVersion(version) ? await registry.GetVersionAsync(version, cancellationToken) : null;
            return found is null
                ? Html(ModelPageRenderer.NotFound($"Version {version} does not exist."), StatusCodes.Status404NotFound)
                : Html(ModelPageRenderer.Detail(ModelPageData.Load(found)));
        });

        pages.MapGet("/{version}/files/{name}", async (string version, string name, IModelRegistryAdmin registry, CancellationToken cancellationToken) =>
        {
            if (!IsVersion(version) || !ModelPageData.IsPlotName(name))
            {
                return Results.NotFound();
            }

            var found = await registry.GetVersionAsync(version, cancellationToken);
            var path = found is null ? null : Path.Combine(found.ModelDirectory, name);
            return path is not null && File.Exists(path) ? Results.File(path, "image/png") : Results.NotFound();
        });

        return app;
    }

    private static bool IsVersion(string? version) => version is { Length: > 0 and < 12 } && version.All(char.IsAsciiDigit) && version[0] != '0';

    private static IResult Html(string html, int status = StatusCodes.Status200OK)
        => Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
}
