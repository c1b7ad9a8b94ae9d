using System.Diagnostics;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Storage;
using FraudDetection.Notifier.Telemetry;

namespace FraudDetection.Notifier.Delivery;

/// <summary>
/// Exactly one message per alert: drops alerts already notified (ledger by trans_num), groups a card's alerts
/// for a short window (several → one summary), keeps at most one message per recipient per interval, and
/// decides the outcome: sent, handed to the fallback, dead-lettered, or kept for a later try (never dropped).
/// Only finished alerts are returned to the caller, who may then acknowledge them. Not thread-safe by design:
/// one consumer loop drives it.
/// </summary>
public sealed class NotificationDispatcher(
    NotificationChannels channels,
    AlertMessageComposer composer,
    DeliveryLedger ledger,
    INotificationDeadLetterSink deadLetters,
    IOptions<NotifierOptions> options,
    TimeProvider time,
    NotifierMetrics metrics,
    NotifierActivitySource activities,
    ILogger<NotificationDispatcher> logger)
{
    private sealed class CardBatch(DateTimeOffset dueAt)
    {
        public List<PendingAlert> Alerts { get; } = [];
        public DateTimeOffset DueAt { get; set; } = dueAt;
    }

    private readonly Dictionary<string, CardBatch> _batches = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastSentTo = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waiting = new(StringComparer.Ordinal);

    /// <summary>Alerts accepted and not finished yet.</summary>
    public int Pending => _waiting.Count;

    public DateTimeOffset? NextDueAt => _batches.Count == 0 ? null : _batches.Values.Min(b => b.DueAt);

    /// <summary>True when the alert now waits for delivery; false when it was already notified or is already waiting (acknowledge it).</summary>
    public bool Accept(PendingAlert pending)
    {
        var alert = pending.Alert;
        if (_waiting.Contains(alert.TransNum) || ledger.Contains(alert.TransNum))
        {
            metrics.Deduplicated();
            logger.LogDebug("Alert {TransNum} already notified or waiting: skipped", alert.TransNum);
            return false;
        }

        var key = RecipientKey(alert);
        if (!_batches.TryGetValue(key, out var batch))
        {
            var now = time.GetUtcNow();
            var due = now + options.Value.CoalesceWindow;
            if (_lastSentTo.TryGetValue(key, out var last) && last + options.Value.RecipientMinInterval > due)
            {
                due = last + options.Value.RecipientMinInterval;
            }
            batch = new CardBatch(due);
            _batches[key] = batch;
        }
        batch.Alerts.Add(pending);
        _waiting.Add(alert.TransNum);
        return true;
    }

    /// <summary>Delivers every batch whose time has come; returns the alerts now finished.</summary>
    public async Task<IReadOnlyList<PendingAlert>> DeliverDueAsync(CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        var due = _batches.Where(b => b.Value.DueAt <= now).OrderBy(b => b.Value.DueAt).Select(b => b.Key).ToList();
        if (due.Count == 0)
        {
            return [];
        }

        // The rate limit only needs recipients heard from within the interval.
        foreach (var (recipient, _) in _lastSentTo.Where(p => p.Value + options.Value.RecipientMinInterval < now).ToList())
        {
            _lastSentTo.Remove(recipient);
        }

        var finished = new List<PendingAlert>();
        foreach (var key in due)
        {
            // A send in flight completes even when stopping: cutting it would risk a second message after restart.
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            var batch = _batches[key];
            if (await DeliverAsync(key, batch.Alerts, CancellationToken.None))
            {
                _batches.Remove(key);
                foreach (var pending in batch.Alerts)
                {
                    _waiting.Remove(pending.Alert.TransNum);
                }
                finished.AddRange(batch.Alerts);
            }
            else
            {
                batch.DueAt = time.GetUtcNow() + options.Value.RetryUnavailableAfter;
            }
        }
        return finished;
    }

    /// <summary>Forgets waiting alerts (their partition went to another consumer, which will deliver them).</summary>
    public void Forget(Func<PendingAlert, bool> predicate)
    {
        foreach (var (key, batch) in _batches.ToList())
        {
            foreach (var pending in batch.Alerts.Where(predicate).ToList())
            {
                batch.Alerts.Remove(pending);
                _waiting.Remove(pending.Alert.TransNum);
            }
            if (batch.Alerts.Count == 0)
            {
                _batches.Remove(key);
            }
        }
    }

    public static string RecipientKey(FraudAlert alert) => string.IsNullOrEmpty(alert.CardId) ? alert.CardMasked : alert.CardId;

    private async Task<bool> DeliverAsync(string key, List<PendingAlert> batch, CancellationToken cancellationToken)
    {
        var alerts = batch.Select(p => p.Alert).ToList();
        NotificationMessage message;
        try
        {
            message = composer.Compose(key, alerts);
        }
        catch (Exception e)
        {
            // An alert no template can render would block its card for ever: park it with the reason.
            return await DeadLetterAsync(batch, new DeliveryResult(DeliveryOutcome.Permanent, "composer", "unrenderable", e.Message));
        }
        var alertContexts = batch
            .Select(p => TraceHeaders.Parse(p.TraceParent))
            .Where(c => c != default)
            .ToList();
        // In the first alert's trace, linked to the others', and recorded whatever the trace ratio, as the alerts' own
        // spans are: a delivery is rare and ends each alert's path.
        using var activity = activities.Source.StartActivity(
            "notify " + (message.IsSummary ? "summary" : "alert"), ActivityKind.Client, parentContext: alertContexts.FirstOrDefault(),
            tags: [new(TraceSampling.AlwaysTracedTag, true)], links: alertContexts.Skip(1).Select(c => new ActivityLink(c)));
        activity?.SetTag("notifier.alerts", alerts.Count);
        activity?.SetTag("notifier.card", message.CardMasked);

        var primary = await SendAsync(channels.Primary, message, cancellationToken);
        activity?.SetTag("notifier.primary.outcome", primary.Outcome.ToString());
        if (primary.Outcome == DeliveryOutcome.Sent)
        {
            Finish(key, batch, "sent", primary);
            return true;
        }
        metrics.Failed(primary.Channel, primary.Code);

        if (primary.Outcome is DeliveryOutcome.UseFallback or DeliveryOutcome.Unavailable && channels.Fallback is { } fallbackChannel)
        {
            var reason = $"{primary.Channel} {primary.Code}: {primary.Message}";
            var fallback = await SendAsync(fallbackChannel, message with { FallbackReason = reason }, cancellationToken);
            activity?.SetTag("notifier.fallback.outcome", fallback.Outcome.ToString());
            if (fallback.Outcome == DeliveryOutcome.Sent)
            {
                logger.LogInformation("Alert(s) {TransNums} for card {Card} handed to {Fallback}: {Primary} answered {Code} ({Reason})",
                    string.Join(",", alerts.Select(a => a.TransNum)), message.CardMasked, fallback.Channel, primary.Channel, primary.Code, primary.Message);
                Finish(key, batch, "fallback", fallback);
                return true;
            }
            metrics.Failed(fallback.Channel, fallback.Code);
            if (fallback.Outcome == DeliveryOutcome.Permanent)
            {
                return await DeadLetterAsync(batch, primary with { Message = $"{primary.Message}; fallback {fallback.Channel} {fallback.Code}: {fallback.Message}" });
            }
            logger.LogWarning("No channel could take alert(s) {TransNums} now ({Primary} {PrimaryCode}, {Fallback} {FallbackCode}); keeping them for a later try",
                string.Join(",", alerts.Select(a => a.TransNum)), primary.Channel, primary.Code, fallback.Channel, fallback.Code);
            return false;
        }

        if (primary.Outcome is DeliveryOutcome.Permanent or DeliveryOutcome.UseFallback)
        {
            return await DeadLetterAsync(batch, primary);
        }

        logger.LogWarning("{Channel} cannot send now ({Code}: {Reason}); alert(s) {TransNums} kept for a later try",
            primary.Channel, primary.Code, primary.Message, string.Join(",", alerts.Select(a => a.TransNum)));
        return false;
    }

    private static async Task<DeliveryResult> SendAsync(INotificationChannel channel, NotificationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await channel.SendAsync(message, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A channel bug must not lose the alert: treat it as "cannot send now".
            return new DeliveryResult(DeliveryOutcome.Unavailable, channel.Name, "error", e.GetType().Name + ": " + e.Message);
        }
    }

    private void Finish(string key, List<PendingAlert> batch, string outcome, DeliveryResult result)
    {
        var now = time.GetUtcNow();
        ledger.Record(batch.Select(p => p.Alert), outcome, result.Channel, result.Code, now);
        _lastSentTo[key] = now;
        metrics.Sent(result.Channel);
        foreach (var pending in batch)
        {
            metrics.AlertToSent(Math.Max(0, (now - pending.Alert.RaisedAt).TotalMilliseconds), result.Channel);
        }
    }

    private async Task<bool> DeadLetterAsync(List<PendingAlert> batch, DeliveryResult result)
    {
        var now = time.GetUtcNow();
        var letters = batch.Select(p => new NotificationDeadLetter(p.Alert, result.Channel, result.Code, result.Message, now)).ToList();
        try
        {
            await deadLetters.PublishAsync(letters, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not dead-letter alert(s) {TransNums} ({Error}); keeping them for a later try",
                string.Join(",", batch.Select(p => p.Alert.TransNum)), e.Message);
            return false;
        }
        ledger.Record(batch.Select(p => p.Alert), "deadlettered", result.Channel, result.Code, now);
        metrics.DeadLettered(letters.Count);
        logger.LogWarning("Alert(s) {TransNums} dead-lettered to {Topic}: {Channel} answered {Code} ({Reason})",
            string.Join(",", batch.Select(p => p.Alert.TransNum)), Topics.NotificationsDeadLetter, result.Channel, result.Code, result.Message);
        return true;
    }
}
