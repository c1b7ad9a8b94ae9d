using FraudDetection.Producer.Hosting;
using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Producer.Apis;

/// <summary>Body of PUT /api/producer/rate.</summary>
public sealed record RateRequest(double Rate);

/// <summary>Body of POST /api/producer/burst.</summary>
public sealed record BurstRequest(string Scenario, int Count = 1);

public static class ProducerApi
{
    /// <summary>Maps the Producer control API under /api/producer.</summary>
    public static IEndpointRouteBuilder MapProducerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/producer").WithTags("Producer");

        api.MapGet("/", (ProducerController producer) => TypedResults.Ok(producer.GetStatus()))
            .WithSummary("State, source, rate and counters of the producer");

        api.MapPost("/start", async (ProducerController producer, CancellationToken cancellationToken) =>
                await producer.StartAsync(cancellationToken)
                    ? Results.Ok(producer.GetStatus())
                    : Results.Problem(producer.GetStatus().LastError, statusCode: StatusCodes.Status503ServiceUnavailable, title: "The producer cannot start"))
            .WithSummary("Start producing (no-op when running)");

        api.MapPost("/stop", async (ProducerController producer, CancellationToken cancellationToken) =>
            {
                await producer.StopAsync(cancellationToken);
                return TypedResults.Ok(producer.GetStatus());
            })
            .WithSummary("Stop producing; waits for acknowledgements");

        api.MapPut("/rate", (RateRequest request, ProducerController producer) =>
            {
                if (!double.IsFinite(request.Rate) || request.Rate <= 0)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["rate"] = ["The rate must be a positive number of transactions per second."],
                    });
                }
                producer.SetRate(request.Rate);
                return Results.Ok(producer.GetStatus());
            })
            .WithSummary("Change the rate (tx/s); a running producer follows at once");

        api.MapPost("/burst", async (BurstRequest request, ProducerController producer, CancellationToken cancellationToken) =>
            {
                var pattern = FraudScenarios.Parse(request.Scenario);
                if (pattern is null || !FraudScenarios.IsPattern(pattern) || request.Count is < 1 or > 100)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]>
                    {
                        ["scenario"] = [$"One of: {string.Join(", ", FraudScenarios.Patterns)}; count 1..100."],
                    });
                }
                if (producer.BootstrapServers is null)
                {
                    return Results.Problem("ConnectionStrings:kafka is not set.", statusCode: StatusCodes.Status503ServiceUnavailable);
                }
                return Results.Ok(await producer.BurstAsync(pattern, request.Count, cancellationToken));
            })
            .WithSummary("Send instances of a fraud pattern now (card-testing, account-takeover, merchant-collusion, geographic-anomaly)");

        return app;
    }
}
