using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Every service's OpenAPI document at <c>/openapi/v1.json</c>, and its Scalar reference at <c>/scalar</c> in development
/// or when <c>FraudDetection:ApiReference</c> is true (the app host sets it for the services it runs).
/// </summary>
public static class OpenApiExtensions
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";
    public const string ReferenceSetting = "FraudDetection:ApiReference";

    public static TBuilder AddDefaultOpenApi<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = builder.Environment.ApplicationName;
            document.Info.Description = "FraudDetection service API. Card numbers come back masked to their last 4 digits.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    public static WebApplication MapDefaultOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>(ReferenceSetting))
        {
            app.MapScalarApiReference(ReferencePath, options => options.WithTitle(app.Environment.ApplicationName));
        }
        return app;
    }
}
