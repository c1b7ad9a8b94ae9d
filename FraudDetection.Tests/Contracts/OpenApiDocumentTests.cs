using System.Text.Json;
using System.Text.RegularExpressions;
using FraudDetection.Tests.Dashboards;
using FraudDetection.Training.Apis;
using FraudDetection.Training.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Contracts;

/// <summary>Every service publishes /openapi/v1.json, and every endpoint it maps is in that document.</summary>
[Collection(MetricsIsolation.Name)]
public sealed partial class OpenApiDocumentTests
{
    [Fact]
    public async Task Producer_Scoring_Graph_and_Notifier_describe_every_endpoint_they_map()
    {
        // As the app host runs them: the Scalar reference switched on by configuration, outside Development.
        await using var services = new ServiceHosts
        {
            SendBadInput = false,
            ConfigureEach = builder => builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?> { [OpenApiExtensions.ReferenceSetting] = "true" }),
        };
        services.ProducerSettings["Producer:Autostart"] = "false";
        await services.StartAsync();
        using var http = new HttpClient();

        services.Apps.Keys.Should().BeEquivalentTo(["producer", "scoring", "graph", "notifier"]);
        foreach (var (name, app) in services.Apps)
        {
            var document = await DocumentAsync(http, $"http://{services.Targets[name]}");
            Missing(app, document).Should().BeEmpty($"{name} describes every endpoint it maps");
            document.GetProperty("info").GetProperty("title").GetString().Should().StartWith("FraudDetection.");
            (await http.GetAsync($"http://{services.Targets[name]}{OpenApiExtensions.ReferencePath}")).IsSuccessStatusCode
                .Should().BeTrue($"{name} serves its Scalar reference when {OpenApiExtensions.ReferenceSetting} is true");
        }
    }

    [Fact]
    public async Task Training_describes_every_endpoint_and_serves_its_Scalar_reference_in_development()
    {
        var data = Directory.CreateTempSubdirectory("openapi-training-");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TrainingApi).Assembly.GetName().Name,
            EnvironmentName = "Development",
            ContentRootPath = data.FullName,
        });
        builder.ListenOnLoopback();
        builder.Logging.ClearProviders();
        var trainingFile = Path.Combine(data.FullName, "labelled.csv");
        await File.WriteAllTextAsync(trainingFile, "trans_date_trans_time,cc_num\n");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FraudDetection:DataDirectory"] = Path.Combine(data.FullName, "data"),
            ["Training:DataFiles:0"] = trainingFile,
            ["Training:TrainStarterModel"] = "false",
            ["Training:ScheduleEnabled"] = "false",
        });
        builder.AddServiceDefaults();
        builder.AddTrainingServices();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapTrainingApi();
        await app.StartAsync();
        var address = app.BaseAddress().ToString().TrimEnd('/');
        using var http = new HttpClient();

        var document = await DocumentAsync(http, address);
        Missing(app, document).Should().BeEmpty("Training describes every endpoint it maps");
        var reference = await http.GetAsync(address + OpenApiExtensions.ReferencePath);
        reference.IsSuccessStatusCode.Should().BeTrue("the Scalar reference is served in development");
        (await reference.Content.ReadAsStringAsync()).Should().Contain(OpenApiExtensions.DocumentPath.TrimStart('/').Replace("v1.json", ""));
        await app.StopAsync();
        data.Delete(recursive: true);
    }

    private static async Task<JsonElement> DocumentAsync(HttpClient http, string baseAddress)
    {
        var answer = await http.GetAsync(baseAddress.TrimEnd('/') + OpenApiExtensions.DocumentPath);
        answer.IsSuccessStatusCode.Should().BeTrue($"{baseAddress} serves {OpenApiExtensions.DocumentPath}");
        using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        var root = json.RootElement.Clone();
        root.GetProperty("openapi").GetString().Should().StartWith("3.");
        return root;
    }

    /// <summary>"GET /path" of every mapped API endpoint that the document's paths lack.</summary>
    private static List<string> Missing(WebApplication app, JsonElement document)
    {
        var described = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {Trimmed(path.Name)}"))
            .ToHashSet(StringComparer.Ordinal);
        var mapped = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .Select(e => (Path: "/" + Constraint().Replace(e.RoutePattern.RawText!.TrimStart('/'), "{${name}}"),
                Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods))
            .Where(e => !Infrastructure().IsMatch(e.Path))
            .SelectMany(e => e.Methods.Select(method => $"{method} {Trimmed(e.Path)}"))
            .ToList();
        mapped.Should().NotBeEmpty("the service maps an API");
        var unsummarised = document.GetProperty("paths").EnumerateObject()
            .Where(path => !Infrastructure().IsMatch(path.Name) && !path.Name.StartsWith("/models", StringComparison.Ordinal))
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(operation => !operation.Value.TryGetProperty("summary", out var summary) || string.IsNullOrWhiteSpace(summary.GetString()))
                .Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .ToList();
        unsummarised.Should().BeEmpty("every API operation says what it does");
        return mapped.Where(m => !described.Contains(m)).ToList();
    }

    // A group's "/" endpoint is the group's path.
    private static string Trimmed(string path) => path.Length > 1 ? path.TrimEnd('/') : path;

    // {ccNum:long} and {id?} in a route are {ccNum} and {id} in OpenAPI.
    [GeneratedRegex(@"\{(?<name>[A-Za-z0-9_]+)(:[^}]+)?\??\}")]
    private static partial Regex Constraint();

    [GeneratedRegex(@"^/(openapi|scalar|metrics|health|alive)(/|$)")]
    private static partial Regex Infrastructure();
}
