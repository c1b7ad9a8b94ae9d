using Microsoft.AspNetCore.Http.HttpResults;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Health;
using FraudDetection.Notifier.Kakao;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Outbox;
using FraudDetection.Notifier.Storage;

namespace FraudDetection.Notifier.Apis;

public static class NotifierApi
{
    /// <summary>Maps <c>/api/notifications</c>: the outbox (what the holder would read) and the Notifier's status.</summary>
    public static IEndpointRouteBuilder MapNotifierApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications").WithTags("Notifier");

        api.MapGet("/", Results<JsonHttpResult<List<OutboxEntry>>, ProblemHttpResult> (NotificationOutbox outbox, int limit = 50) =>
            QueryBounds.CheckLimit(limit) is { } problem ? problem
            : TypedResults.Json(outbox.Recent(limit).ToList(), NotifierJsonContext.Readable.ListOutboxEntry))
            .WithName("GetNotifications")
            .WithSummary("Most recent dry-run messages first: the exact Kakao request and the text the card holder would read.");

        api.MapGet("/status", (NotificationChannels channels, IOptions<KakaoOptions> kakao, NotifierState state,
                KakaoTokenProvider tokens, DeliveryLedger ledger, NotificationOutbox outbox) =>
            TypedResults.Json(new NotifierStatus(
                Mode: kakao.Value.EffectiveMode switch { KakaoMode.Memo => "memo", KakaoMode.Friends => "friends", _ => "dry-run" },
                Primary: channels.Primary.Name,
                Fallback: channels.Fallback?.Name ?? "none",
                Pending: state.Pending,
                SendingStopped: tokens.StoppedReason,
                Outcomes: ledger.CountByOutcome(),
                OutboxFile: outbox.FilePath), NotifierJsonContext.Readable.NotifierStatus))
            .WithName("GetNotifierStatus")
            .WithSummary("Mode, channels, alerts waiting, delivery outcomes, and whether Kakao sending stopped.");

        return app;
    }
}
