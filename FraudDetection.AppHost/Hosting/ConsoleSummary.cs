using Microsoft.Extensions.Configuration;

namespace FraudDetection.AppHost.Hosting;

/// <summary>The few lines a user needs once every resource is created: where the dashboard and the pages are.</summary>
public static class ConsoleSummary
{
    public static void PrintOnStart(IDistributedApplicationBuilder builder, AppHostOptions options,
        IResourceBuilder<IResourceWithConnectionString> kafka, IResourceBuilder<ProjectResource> web)
    {
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>(async (_, cancellationToken) =>
        {
            // DcpPublisher:RandomizePorts moves the dashboard too; Aspire's own "Now listening on" line has the port then.
            var dashboard = builder.Configuration.GetValue<bool>("DcpPublisher:RandomizePorts")
                ? "(a free port: see \"Now listening on\" above)"
                : (builder.Configuration["ASPNETCORE_URLS"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "(none)";
            var broker = await kafka.Resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
            Console.WriteLine($"""

                FraudDetection is starting ({(options.Containers ? "containers" : "development broker, no containers")}). Press Ctrl+C to stop.
                  dashboard: {dashboard}   (resources, console and structured logs, traces, metrics)
                  web:       {web.GetEndpoint("http").Url}   (the fraud team's live overview)
                  kafka:     {broker}{(kafka.Resource is DevKafkaResource ? " (development broker: in memory, empty after a restart)" : "")}
                  data:      {options.DataDirectory}

                """);
        });
    }
}
