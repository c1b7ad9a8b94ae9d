using System.Text.Json;
using System.Text.Json.Serialization;
using FraudDetection.Web.Alerts;
using FraudDetection.Web.Pages;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FraudDetection.Web.Apis;

/// <summary>The card holder's answer: <c>"me"</c> (it was me) or <c>"not_me"</c> (it wasn't me).</summary>
public sealed record FeedbackRequest([property: JsonPropertyName("verdict")] string? Verdict);

/// <summary>An analyst's verdict: <c>"fraud"</c> or <c>"genuine"</c>.</summary>
public sealed record VerdictRequest([property: JsonPropertyName("label")] string? Label);

// A repeated key is ambiguous ({"verdict":"maybe","verdict":"me"}): the answer is a 400, not the last value (as
// ServiceDefaults sets for bound bodies; these are read by hand, so the context says it itself).
[JsonSourceGenerationOptions(AllowDuplicateProperties = false)]
[JsonSerializable(typeof(FeedbackRequest))]
[JsonSerializable(typeof(VerdictRequest))]
internal sealed partial class AlertsJsonContext : JsonSerializerContext;

public static class AlertsApi
{
    private const int CardHistoryRows = 5;
    private const string Html = "text/html; charset=utf-8";

    /// <summary>
    /// Maps the pages: <c>/alerts</c> (the analysts' queue), <c>/alerts/{alert_id}?t=</c> (the card holder's answer page)
    /// and their form posts (<c>/alerts/{alert_id}/answer</c>, <c>/alerts/{alert_id}/verdict</c>), which work without
    /// JavaScript and redirect back.
    /// </summary>
    public static IEndpointRouteBuilder MapAlertPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/alerts").ExcludeFromDescription();
        pages.MapGet("/", Results<ContentHttpResult, ProblemHttpResult> (AlertStore store, IConfiguration configuration,
            string? status, DateTime? from, DateTime? to, int? limit) =>
        {
            var filter = new AlertQueueFilter(status ?? "pending", from, to, limit ?? 100);
            if (Check(filter) is { } problem)
            {
                return problem;
            }
            var alerts = List(store, filter);
            return TypedResults.Content(AlertPages.Queue(OverviewApi.Navigation(configuration), filter, alerts,
                a => store.List(null, null, null, CardHistoryRows + 1, a.CardId).Where(o => o.AlertId != a.AlertId).Take(CardHistoryRows).ToList()), Html);
        });

        pages.MapGet("/{alertId}", (string alertId, [FromQuery(Name = "t")] string? token, AlertStore store, AlertLinkTokens tokens) =>
            Authorized(alertId, token, store, tokens) is { } alert
                ? Results.Content(AlertPages.Holder(alert, token!, null), Html)
                : Results.Content(AlertPages.NotFound(), Html, statusCode: StatusCodes.Status404NotFound));

        pages.MapPost("/{alertId}/answer", async (string alertId, [FromQuery(Name = "t")] string? token, HttpRequest request,
            AlertStore store, AlertLinkTokens tokens, LabelPublisher publisher, TimeProvider time) =>
        {
            if (Authorized(alertId, token, store, tokens) is null)
            {
                return Results.Content(AlertPages.NotFound(), Html, statusCode: StatusCodes.Status404NotFound);
            }
            var form = await ReadFormAsync(request);
            var verdict = form?["verdict"].ToString();
            if (verdict is not (HolderAnswers.Me or HolderAnswers.NotMe))
            {
                return Results.Problem("verdict must be \"me\" or \"not_me\"", statusCode: StatusCodes.Status400BadRequest, title: "Invalid answer");
            }
            Answer(alertId, verdict, store, publisher, time);
            return Results.Redirect($"/alerts/{Uri.EscapeDataString(alertId)}?t={Uri.EscapeDataString(token!)}");
        }).AuthorizedByItself().AddEndpointFilter<AnswerRateLimitFilter>();

        pages.MapPost("/{alertId}/verdict", async (string alertId, HttpRequest request, AlertStore store, LabelPublisher publisher, TimeProvider time) =>
        {
            var form = await ReadFormAsync(request);
            var label = form?["label"].ToString();
            if (label is not (LabelValues.Fraud or LabelValues.Genuine))
            {
                return Results.Problem("label must be \"fraud\" or \"genuine\"", statusCode: StatusCodes.Status400BadRequest, title: "Invalid verdict");
            }
            return Decide(alertId, label, store, publisher, time) is DecisionOutcome.UnknownAlert ? Results.NotFound() : Results.Redirect("/alerts");
        });
        return app;
    }

    /// <summary>
    /// Maps <c>/api/alerts</c>: the queue as JSON, the card holder's answer (authorised by the link's token, rate-limited
    /// per address) and the analyst's verdict (a write: the API key applies from beyond this machine).
    /// </summary>
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/alerts").WithTags("Alerts");

        api.MapGet("/", Results<Ok<IReadOnlyList<StoredAlert>>, ProblemHttpResult> (AlertStore store, string? status, DateTime? from, DateTime? to, int? limit) =>
        {
            var filter = new AlertQueueFilter(status ?? "pending", from, to, limit ?? 100);
            return Check(filter) is { } problem ? problem : TypedResults.Ok(List(store, filter));
        })
        .WithSummary("Alerts under review, newest first")
        .WithDescription("status: pending (open or confirmed, the default), all, open, confirmed, fraud or genuine; from/to: when the alert was raised (UTC); limit: 1..1000 rows (default 100). Cards are masked.");

        api.MapPost("/{alertId}/feedback", async Task<Results<Accepted, ProblemHttpResult>> (
            string alertId, [FromQuery(Name = "t")] string? token, HttpRequest request,
            AlertStore store, AlertLinkTokens tokens, LabelPublisher publisher, TimeProvider time) =>
        {
            // The token is checked before anything else, and a wrong token and an unknown alert answer alike.
            if (Authorized(alertId, token, store, tokens) is null)
            {
                return NotFoundProblem();
            }
            if (!request.HasJsonContentType())
            {
                return UnsupportedMediaType();
            }
            var body = await ReadAsync(request, AlertsJsonContext.Default.FeedbackRequest);
            if (body?.Verdict is not (HolderAnswers.Me or HolderAnswers.NotMe))
            {
                return TypedResults.Problem("Send {\"verdict\": \"me\"} or {\"verdict\": \"not_me\"}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid answer");
            }
            return Answer(alertId, body.Verdict, store, publisher, time) switch
            {
                DecisionOutcome.Recorded => TypedResults.Accepted((string?)null),
                DecisionOutcome.AlreadyDecided => TypedResults.Problem("This alert has already been answered; thank you.",
                    statusCode: StatusCodes.Status409Conflict, title: "Already answered"),
                _ => NotFoundProblem(),
            };
        })
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .AuthorizedByItself()
        .AddEndpointFilter<AnswerRateLimitFilter>()
        .Accepts<FeedbackRequest>("application/json")
        .WithSummary("The card holder's answer to an alert")
        .WithDescription("Authorised by the token of the message's link (t). verdict \"me\" publishes a genuine label, \"not_me\" a fraud label (source customer) to fraud.labels and confirms the alert for the analysts. 202 once; 409 for a second answer; 404 for a wrong token or an unknown alert; 429 past the per-address rate limit.");

        api.MapPost("/{alertId}/verdict", async Task<Results<Accepted, ProblemHttpResult>> (
            string alertId, HttpRequest request, AlertStore store, LabelPublisher publisher, TimeProvider time) =>
        {
            if (!request.HasJsonContentType())
            {
                return UnsupportedMediaType();
            }
            var body = await ReadAsync(request, AlertsJsonContext.Default.VerdictRequest);
            if (body?.Label is not (LabelValues.Fraud or LabelValues.Genuine))
            {
                return TypedResults.Problem("Send {\"label\": \"fraud\"} or {\"label\": \"genuine\"}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid verdict");
            }
            return Decide(alertId, body.Label, store, publisher, time) switch
            {
                DecisionOutcome.Recorded => TypedResults.Accepted((string?)null),
                DecisionOutcome.AlreadyDecided => TypedResults.Problem("This alert already has an analyst's verdict.",
                    statusCode: StatusCodes.Status409Conflict, title: "Already decided"),
                _ => NotFoundProblem(),
            };
        })
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .Accepts<VerdictRequest>("application/json")
        .WithSummary("An analyst's verdict on an alert")
        .WithDescription("label \"fraud\" or \"genuine\": publishes a label (source analyst) to fraud.labels and closes the alert. 202 once; 409 when the alert already has a verdict; 404 for an unknown alert. A write: the API key applies from beyond this machine.");
        return app;
    }

    // The same for a wrong token and an unknown alert: nothing tells which.
    private static ProblemHttpResult NotFoundProblem() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static StoredAlert? Authorized(string alertId, string? token, AlertStore store, AlertLinkTokens tokens) =>
        tokens.Verify(alertId, token) ? store.Find(alertId) : null;

    private static DecisionOutcome Answer(string alertId, string verdict, AlertStore store, LabelPublisher publisher, TimeProvider time)
    {
        // Stored first (answer and outbox row in one transaction), published after: see LabelPublisher.
        var outcome = store.RecordHolderAnswer(alertId, verdict, time.GetUtcNow());
        if (outcome == DecisionOutcome.Recorded)
        {
            publisher.Wake();
        }
        return outcome;
    }

    private static DecisionOutcome Decide(string alertId, string label, AlertStore store, LabelPublisher publisher, TimeProvider time)
    {
        var outcome = store.RecordAnalystVerdict(alertId, label, time.GetUtcNow());
        if (outcome == DecisionOutcome.Recorded)
        {
            publisher.Wake();
        }
        return outcome;
    }

    private static ProblemHttpResult? Check(AlertQueueFilter filter) =>
        filter.Status is "pending" or "all" || AlertStatuses.All.Contains(filter.Status)
            ? QueryBounds.FirstProblem(QueryBounds.CheckLimit(filter.Limit), QueryBounds.CheckWindow(filter.From, filter.To))
            : TypedResults.Problem($"status must be pending, all, {string.Join(", ", AlertStatuses.All)}; got {filter.Status}",
                statusCode: StatusCodes.Status400BadRequest, title: "Unknown status");

    private static IReadOnlyList<StoredAlert> List(AlertStore store, AlertQueueFilter filter) =>
        store.List(filter.Status == "all" ? null : filter.Status, Utc(filter.From), Utc(filter.To), filter.Limit);

    private static DateTimeOffset? Utc(DateTime? time) =>
        time is { } t ? new DateTimeOffset(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    private static ProblemHttpResult UnsupportedMediaType() =>
        TypedResults.Problem("Send the body as application/json.", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type");

    /// <summary>The posted form, or null when there is none or it cannot be read (no multipart boundary, past the form limits).</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }
        try
        {
            return await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<T?> ReadAsync<T>(HttpRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
