using FraudDetection.Core.Registry;
using FraudDetection.Training.Options;
using FraudDetection.Training.Pages;
using FraudDetection.Training.Preflight;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Apis;

public static class TrainingApi
{
    /// <summary>Maps <c>/api/training/*</c> (runs, preflight, schedule, versions) and the model dictionary pages under <c>/models</c>.</summary>
    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/training").WithTags("Training");

        api.MapPost("/runs", (TrainingRunQueue queue) =>
        {
            var run = queue.TryEnqueue("api");
            return run is null
                ? Results.Problem("A training run is in progress and the queue is full; try again later.", statusCode: StatusCodes.Status429TooManyRequests)
                : Results.Accepted($"/api/training/runs/{run.Id}", run);
        })
            .WithSummary("Queues a training run (train, evaluate, promote only when better); 429 when the queue is full.")
            .Produces<TrainingRunStatus>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status429TooManyRequests);

        api.MapGet("/runs", (TrainingRunQueue queue) => Results.Ok(queue.List()))
            .WithSummary("Recent training runs, newest first, with their state and outcome.")
            .Produces<IReadOnlyList<TrainingRunStatus>>();

        api.MapGet("/runs/{id}", (string id, TrainingRunQueue queue) =>
            queue.Get(id) is { } run ? Results.Ok(run) : Results.Problem($"No training run '{id}'.", statusCode: StatusCodes.Status404NotFound))
            .WithSummary("One training run.").Produces<TrainingRunStatus>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/preflight", async (TrainingPreflight preflight, CancellationToken cancellationToken) =>
        {
            var report = await preflight.RunAsync(cancellationToken);
            return Results.Json(new { ok = report.Ok, summary = report.Summary, checks = report.Checks }, statusCode: report.Ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        })
            .WithSummary("Checks that a run could start now (data files, registry, tracking); 503 with the failing checks otherwise.");

        api.MapGet("/schedule", (TrainingScheduler scheduler, IOptions<TrainingOptions> options) =>
            Results.Ok(new { schedule = options.Value.Schedule, timeZone = options.Value.TimeZone, enabled = options.Value.ScheduleEnabled, nextRunAt = scheduler.NextRunAt }))
            .WithSummary("The retraining schedule (cron, time zone) and the next run.");

        api.MapGet("/models", async (IModelRegistryAdmin registry, CancellationToken cancellationToken) =>
        {
            var versions = await registry.ListVersionsAsync(cancellationToken);
            return Results.Ok(versions.Select(ModelPageData.Load).Select(model => new
            {
                version = model.Version.Version,
                aliases = model.Version.Aliases,
                createdAt = model.Version.CreatedAt,
                location = model.Version.ModelDirectory,
                tags = model.Version.Tags,
                averagePrecision = model.Report?.Validation.AveragePrecision,
                recall = model.Report?.Validation.Recall,
                threshold = model.Report?.Threshold,
                plots = model.Plots,
            }));
        })
            .WithSummary("Every registered model version with its aliases (champion, challenger) and validation figures.");

        app.MapModelPages();
        return app;
    }
}
