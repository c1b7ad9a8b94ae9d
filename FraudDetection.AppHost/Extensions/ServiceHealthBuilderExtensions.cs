using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

public static class ServiceHealthBuilderExtensions
{
    /// <summary>
    /// Adds a FraudDetection service: the project (its built program started directly), its health from
    /// <c>/health</c> (Healthy, Degraded or Unhealthy as the service says it, so that WaitFor waits for Healthy), the
    /// run's data directory, the idle fetch wait of its readers, and a bounded telemetry export.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddService<TProject>(this IDistributedApplicationBuilder builder, [ResourceName] string name, string dataDirectory, double traceRatio)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithBuiltExecutable()
            .WithServiceHealthCheck()
            .WithDataDirectory(dataDirectory)
            .WithIdleFetchWait()
            .WithBoundedTelemetryExport()
            .WithTelemetryBudget(traceRatio)
            .WithApiReferenceUrl();

    /// <summary>The service's Scalar API reference (ServiceDefaults serves it in Development) beside its endpoint in the dashboard.</summary>
    public static IResourceBuilder<T> WithApiReferenceUrl<T>(this IResourceBuilder<T> builder) where T : IResourceWithEndpoints, IResourceWithEnvironment
    {
        var endpoint = builder.Resource.GetEndpoint("http");
        return builder.WithEnvironment("FraudDetection__ApiReference", "true").WithUrls(context => context.Urls.Add(new ResourceUrlAnnotation
        {
            Url = endpoint.Url + "/scalar",
            DisplayText = "API reference",
            Endpoint = endpoint,
        }));
    }

    /// <summary>
    /// OTLP exports give up after 2 s (the SDK's default is 10 s). The dashboard stops with the app host, before the
    /// services: their last export at shutdown then has nowhere to go, and with the default every service took 15 s
    /// to exit after Ctrl+C (1.7–4 s with this bound, measured on one service).
    /// </summary>
    public static IResourceBuilder<T> WithBoundedTelemetryExport<T>(this IResourceBuilder<T> builder) where T : IResourceWithEnvironment =>
        builder.WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "2000");

    /// <summary>
    /// Telemetry a laptop can afford at the default rate. Aspire's development defaults trace every root and export
    /// metrics every second: at 50 tx/s that was a trace per transaction through four services, and the dashboard alone
    /// took 13 % of a core. Traces are sampled by trace id (parent-based: a transaction is traced through every service
    /// or not at all), metrics go every 15 s (as Prometheus scrapes: each export reads every instrument, and the dashboard
    /// ingests it), spans and logs in batches every 2 s.
    /// </summary>
    public static IResourceBuilder<T> WithTelemetryBudget<T>(this IResourceBuilder<T> builder, double traceRatio) where T : IResourceWithEnvironment =>
        builder
            .WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
            .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", traceRatio.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", "15000")
            .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "2000")
            .WithEnvironment("OTEL_BLRP_SCHEDULE_DELAY", "2000");

    /// <summary>
    /// The resource's health is what its <c>/health</c> answers on the http endpoint. Unlike an HTTP status check, a
    /// service that answers 200 "Degraded" (e.g. Scoring without a champion) is shown Degraded and is not yet ready
    /// for what waits for it.
    /// </summary>
    public static IResourceBuilder<T> WithServiceHealthCheck<T>(this IResourceBuilder<T> builder, string path = "/health") where T : IResourceWithEndpoints
    {
        var endpoint = builder.Resource.GetEndpoint("http");
        var name = $"{builder.Resource.Name}_service_health";
        builder.ApplicationBuilder.Services.AddHttpClient(ServiceHealthCheck.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(5));
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            services => new ServiceHealthCheck(services.GetRequiredService<IHttpClientFactory>(), () => new Uri(new Uri(endpoint.Url), path)),
            failureStatus: null,
            tags: null));
        return builder.WithHealthCheck(name);
    }

    private sealed class ServiceHealthCheck(IHttpClientFactory clients, Func<Uri> uri) : IHealthCheck
    {
        public const string HttpClientName = "service-health";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var response = await clients.CreateClient(HttpClientName).GetAsync(uri(), cancellationToken);
                var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
                return (response.IsSuccessStatusCode, body) switch
                {
                    (true, "Degraded") => HealthCheckResult.Degraded("the service reports Degraded (see its health checks)"),
                    (true, _) => HealthCheckResult.Healthy(),
                    _ => HealthCheckResult.Unhealthy($"{(int)response.StatusCode} {body}"),
                };
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
