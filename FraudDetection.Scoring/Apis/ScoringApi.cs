using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Live;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.AspNetCore.Mvc;

namespace FraudDetection.Scoring.Apis;

public static class ScoringApi
{
    /// <summary>Maps <c>POST /api/score[?update_state=true][&amp;top=N]</c> and <c>GET /api/scoring/stats</c>.</summary>
    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/score", ScoreAsync).WithTags("Scoring").WithName("ScoreTransaction")
            .WithSummary("Scores transactions against the card's current state, with features, reasons and the decision; "
                + "update_state=true also appends them to the transactions topic.");
        app.MapGet("/api/scoring/stats", Stats).WithTags("Scoring").WithName("ScoringStats")
            .WithSummary("Counters of the stream (scored, alerts, dead letters, lag), the serving model, and live precision and recall.");
        return app;
    }

    /// <summary>
    /// Scores against the card's current state. <c>update_state=true</c>: the transaction is then appended to
    /// <c>transactions</c> (acknowledged) for the streaming pipeline to apply once, like any other; the features and
    /// score returned are those before it. Kafka unavailable → 503 and nothing appended (unless the problem says
    /// <c>possibly_persisted</c>; a retry with the same trans_num is still counted once).
    /// </summary>
    private static async Task<IResult> ScoreAsync(
        HttpRequest request,
        [FromServices] LiveScorer scorer,
        [FromServices] IFeaturePipeline pipeline,
        [FromServices] TransactionAppender appender,
        [FromQuery] int? top,
        [FromQuery(Name = "update_state")] bool? updateState,
        CancellationToken cancellationToken)
    {
        if (top is < 0)
        {
            return Results.Problem(title: "invalid top", detail: $"top must be zero or more reasons, got {top}", statusCode: StatusCodes.Status400BadRequest);
        }
        if (!request.HasJsonContentType())
        {
            return Results.Problem(title: "unsupported media type", detail: "send the transaction as application/json",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var transaction = TransactionValidator.TryParse(body.GetBuffer().AsSpan(0, (int)body.Length), out var rejection);
        if (transaction is not null && pipeline.Validate(transaction) is { } featureError)
        {
            rejection = TransactionValidator.FromFeatureError(featureError); // what the stream would dead-letter
            transaction = null;
        }
        if (transaction is null)
        {
            return Results.Problem(title: "invalid transaction", detail: rejection.Error, statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason });
        }
        var response = scorer.Score(transaction, top);
        if (response is null)
        {
            return Results.Problem(title: "no model", detail: "no champion model is loaded yet; see /health", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        if (updateState == true)
        {
            try
            {
                var at = await appender.AppendAsync(transaction, cancellationToken);
                response = response with { StateUpdated = true, Appended = new AppendedTransaction(at.Topic, at.Partition.Value, at.Offset.Value) };
            }
            catch (TransactionAppendException e)
            {
                return Results.Problem(title: "state not updated: Kafka unavailable", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable,
                    extensions: new Dictionary<string, object?>
                    {
                        ["trans_num"] = transaction.TransNum,
                        ["possibly_persisted"] = e.PossiblyPersisted,
                    });
            }
        }
        return Results.Json(response, ScoringApiJsonContext.Default.ScoreResponse);
    }

    private static IResult Stats([FromServices] ScoringStats stats, [FromServices] IModelSource models, [FromServices] Microsoft.Extensions.Options.IOptions<Options.ScoringOptions> options)
    {
        var model = models.Current;
        var snapshot = stats.Snapshot(models.Status, model?.Version, model is null ? null : options.Value.ThresholdOverride ?? model.Threshold);
        return Results.Json(snapshot, ScoringApiJsonContext.Default.ScoringStatsSnapshot);
    }
}
