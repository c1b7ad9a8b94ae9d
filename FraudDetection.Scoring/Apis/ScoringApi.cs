using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Live;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.AspNetCore.Mvc;

namespace FraudDetection.Scoring.Apis;

public static class ScoringApi
{
    /// <summary>Maps <c>POST /api/score</c> and <c>GET /api/scoring/stats</c>.</summary>
    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/score", ScoreAsync).WithTags("Scoring").WithName("ScoreTransaction");
        app.MapGet("/api/scoring/stats", Stats).WithTags("Scoring").WithName("ScoringStats");
        return app;
    }

    private static async Task<IResult> ScoreAsync(HttpRequest request, [FromServices] LiveScorer scorer, [FromQuery] int? top, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var transaction = TransactionValidator.TryParse(body.GetBuffer().AsSpan(0, (int)body.Length), out var rejection);
        if (transaction is null)
        {
            return Results.Problem(title: "invalid transaction", detail: rejection.Error, statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["reason"] = rejection.Reason });
        }
        var response = scorer.Score(transaction, top);
        return response is null
            ? Results.Problem(title: "no model", detail: "no champion model is loaded yet; see /health", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json(response, ScoringApiJsonContext.Default.ScoreResponse);
    }

    private static IResult Stats([FromServices] ScoringStats stats, [FromServices] IModelSource models, [FromServices] Microsoft.Extensions.Options.IOptions<Options.ScoringOptions> options)
    {
        var model = models.Current;
        var snapshot = stats.Snapshot(models.Status, model?.Version, model is null ? null : options.Value.ThresholdOverride ?? model.Threshold);
        return Results.Json(snapshot, ScoringApiJsonContext.Default.ScoringStatsSnapshot);
    }
}
