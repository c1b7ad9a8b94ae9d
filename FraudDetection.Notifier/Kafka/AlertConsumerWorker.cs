using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Health;
using FraudDetection.Notifier.Options;
using FraudDetection.Notifier.Storage;
using FraudDetection.Notifier.Telemetry;

namespace FraudDetection.Notifier.Kafka;

/// <summary>
/// Consumes <see cref="Topics.Alerts"/> (group <c>notifier</c>) and drives the dispatcher. Offsets are committed
/// only for alerts that were sent, handed to the fallback, dead-lettered, or found already notified.
/// </summary>
public sealed class AlertConsumerWorker(
    IConfiguration configuration,
    NotificationDispatcher dispatcher,
    KafkaDeadLetterSink deadLetters,
    NotifierState state,
    IOptions<NotifierOptions> options,
    TimeProvider time,
    NotifierActivitySource activities,
    AlertClock alertClock,
    ILogger<AlertConsumerWorker> logger) : BackgroundService
{
    public const string GroupId = "notifier";
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan IdlePollTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(200);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        string bootstrap;
        try
        {
            bootstrap = BootstrapServers(configuration);
        }
        catch (InvalidOperationException e)
        {
            state.FatalError = e.Message;
            logger.LogError("{Error}", e.Message);
            return Task.CompletedTask;
        }
        // Consume() blocks: run the loop off the host's startup path.
        return Task.Run(() => RunAsync(bootstrap, stoppingToken), CancellationToken.None);
    }

    private async Task RunAsync(string bootstrap, CancellationToken stoppingToken)
    {
        var tracker = new OffsetTracker();
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = GroupId,
            ClientId = "notifier",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // A killed Notifier's partitions go to its successor after this long, not the default 45 s.
            SessionTimeoutMs = 10_000,
            // Also the group's rebalance timeout: a rejoin after a crash or a broker outage waits at most this long for
            // members that will never answer (the client's default is 5 minutes).
            MaxPollIntervalMs = 60_000,
        }.WithIdleFetchWait(configuration);
        foreach (var (key, value) in options.Value.Kafka)
        {
            config.Set(key, value);
        }
        using var consumer = new ConsumerBuilder<string?, byte[]?>(config)
            .SetErrorHandler((_, error) => logger.LogWarning("Kafka: {Reason} ({Code})", error.Reason, error.Code))
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                var partitions = revoked.Select(r => r.TopicPartition).ToList();
                Commit(c, tracker, partitions);
                tracker.Remove(partitions);
                dispatcher.Forget(p => p.Source is TopicPartitionOffset o && partitions.Contains(o.TopicPartition));
            })
            .SetPartitionsLostHandler((_, lost) =>
            {
                var partitions = lost.Select(r => r.TopicPartition).ToList();
                tracker.Remove(partitions);
                dispatcher.Forget(p => p.Source is TopicPartitionOffset o && partitions.Contains(o.TopicPartition));
            })
            .Build();

        consumer.Subscribe(Topics.Alerts);
        state.Consuming = true;
        logger.LogInformation("Notifier consuming {Topic} as group {Group}", Topics.Alerts, GroupId);
        var lastCommit = time.GetUtcNow();
        var paused = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Back-pressure: stop reading while too many alerts wait (Kakao down and no fallback).
                var full = dispatcher.Pending >= options.Value.MaxPending;
                if (full != paused && consumer.Assignment.Count > 0)
                {
                    if (full)
                    {
                        consumer.Pause(consumer.Assignment);
                    }
                    else
                    {
                        consumer.Resume(consumer.Assignment);
                    }
                    paused = full;
                }

                ConsumeResult<string?, byte[]?>? result = null;
                try
                {
                    result = consumer.Consume(PollTimeoutFor(dispatcher.Pending, tracker.Settled));
                }
                catch (ConsumeException e)
                {
                    logger.LogWarning("Kafka consume error: {Reason}", e.Error.Reason);
                    await Task.Delay(TimeSpan.FromMilliseconds(500), stoppingToken);
                }
                if (result?.Message is not null)
                {
                    tracker.Track(result.TopicPartitionOffset);
                    await AcceptAsync(result, tracker, stoppingToken);
                }

                try
                {
                    foreach (var finished in await dispatcher.DeliverDueAsync(stoppingToken))
                    {
                        if (finished.Source is TopicPartitionOffset offset)
                        {
                            tracker.Complete(offset);
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // E.g. the SQLite file is not writable: nothing is acknowledged, and the loop keeps going.
                    logger.LogError("Delivering alerts failed ({Error}); they stay unacknowledged and will be retried", e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
                state.Pending = dispatcher.Pending;

                var now = time.GetUtcNow();
                if (result is null || now - lastCommit >= CommitInterval)
                {
                    Commit(consumer, tracker, null);
                    lastCommit = now;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            state.FatalError = "Notifier consumer stopped: " + e.Message;
            logger.LogError(e, "Notifier consumer stopped");
        }
        finally
        {
            state.Consuming = false;
            Commit(consumer, tracker, null);
            consumer.Close();
        }
    }

    private async Task AcceptAsync(ConsumeResult<string?, byte[]?> result, OffsetTracker tracker, CancellationToken stoppingToken)
    {
        var traceParent = TraceHeaders.TraceParent(result.Message.Headers);
        using var activity = activities.Source.StartActivity("receive " + Topics.Alerts, ActivityKind.Consumer, TraceHeaders.Parse(traceParent));

        FraudAlert? alert = null;
        string? error = null;
        try
        {
            alert = result.Message.Value is { Length: > 0 } value
                ? JsonSerializer.Deserialize(value, FraudJsonContext.Default.FraudAlert)
                : null;
            error = AlertChecks.Problem(alert, alertClock.Newest);
        }
        catch (JsonException e)
        {
            error = "unreadable alert JSON: " + e.Message;
        }

        if (error is not null)
        {
            // Not a usable alert: park it on the dead-letter topic with the reason; nothing is silently dropped.
            logger.LogWarning("Alert at {Partition}@{Offset} dead-lettered: {Error}", result.Partition.Value, result.Offset.Value, error);
            while (true)
            {
                try
                {
                    await deadLetters.PublishUnreadableAsync(result, error, time.GetUtcNow(), stoppingToken);
                    break;
                }
                catch (KafkaException e)
                {
                    // The broker is not taking writes: wait rather than lose the message or stop the service.
                    logger.LogWarning("Could not dead-letter {Partition}@{Offset} ({Reason}); retrying", result.Partition.Value, result.Offset.Value, e.Error.Reason);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
            tracker.Complete(result.TopicPartitionOffset);
            return;
        }

        alertClock.Accepted(alert!.LocalTime);
        activity?.SetTag("notifier.trans_num", alert.TransNum);
        if (!dispatcher.Accept(new PendingAlert(alert, traceParent, time.GetUtcNow(), result.TopicPartitionOffset)))
        {
            tracker.Complete(result.TopicPartitionOffset);
        }
    }

    /// <summary>
    /// How long a poll waits for the next alert: 100 ms while alerts wait for delivery or for their offsets to commit (the
    /// loop delivers and commits between polls), else a second. An alert ends either wait at once.
    /// </summary>
    internal static TimeSpan PollTimeoutFor(int pendingAlerts, bool offsetsSettled) =>
        pendingAlerts == 0 && offsetsSettled ? IdlePollTimeout : PollTimeout;

    private void Commit(IConsumer<string?, byte[]?> consumer, OffsetTracker tracker, IEnumerable<TopicPartition>? only)
    {
        var offsets = tracker.Committable(only);
        if (offsets.Count == 0)
        {
            return;
        }
        try
        {
            consumer.Commit(offsets);
            tracker.MarkCommitted(offsets);
        }
        catch (KafkaException e)
        {
            logger.LogWarning("Kafka commit failed ({Reason}); will retry", e.Error.Reason);
        }
    }

    /// <summary><c>ConnectionStrings:kafka</c>; a missing one is one clear error, not a stack trace from librdkafka.</summary>
    internal static string BootstrapServers(IConfiguration configuration) =>
        KafkaConnection.BootstrapServers(configuration)
        ?? throw new InvalidOperationException(KafkaConnection.NotConfigured("the Notifier, which reads fraud.alerts,"));
}
