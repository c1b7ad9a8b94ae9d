using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Web.Alerts;

/// <summary>
/// Keeps every alert of <see cref="Topics.Alerts"/> in the <see cref="AlertStore"/> for the feedback page and the
/// analyst queue: consumer group <c>web-alerts</c> from the earliest offset; an offset is committed only after its
/// alert is stored, and the alert id is the key of the store, so a redelivered alert is stored once.
/// </summary>
public sealed class AlertArchive(AlertStore store, IConfiguration configuration, ILogger<AlertArchive> logger) : BackgroundService
{
    public const string GroupId = "web-alerts";

    private long _stored;

    /// <summary>Alerts this process added to the store (redeliveries not counted).</summary>
    public long Stored => Interlocked.Read(ref _stored);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Consume(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Consume(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            logger.LogWarning("No ConnectionStrings:kafka; the alert queue keeps only what {Path} already holds", store.Path);
            return;
        }
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = GroupId,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            // Committed only once stored (StoreOffset below).
            EnableAutoOffsetStore = false,
            EnablePartitionEof = false,
            SessionTimeoutMs = 6000,
            // Also the group's rebalance timeout: a rejoin after a member's crash or a broker outage waits at most this
            // long for members that will never answer (the client's default is 5 minutes; a loop turn takes milliseconds).
            MaxPollIntervalMs = 30_000,
        }.WithLongPollSlices().WithIdleFetchWait(configuration);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) => logger.LogWarning("Alert archive consumer: {Reason}", e.Reason))
            .Build();
        consumer.Subscribe(Topics.Alerts);
        logger.LogInformation("Alert archive reading {Topic} at {Bootstrap} into {Path}", Topics.Alerts, bootstrap, store.Path);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<byte[]?, byte[]>? result;
                try
                {
                    result = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    logger.LogDebug("Alert archive: {Reason}", e.Error.Reason);
                    continue;
                }
                if (result?.Message is null)
                {
                    continue;
                }
                Keep(result.Message.Value);
                try
                {
                    consumer.StoreOffset(result);
                }
                catch (KafkaException e)
                {
                    // The partition went to another member (a rebalance after a broker outage): it reads this alert
                    // again from the last commit, and storing is idempotent on alert_id.
                    logger.LogInformation("Alert archive: offset not stored ({Reason}); the partition's next owner reads it again", e.Error.Reason);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private void Keep(byte[]? value)
    {
        try
        {
            if (value is not null && JsonSerializer.Deserialize(value, FraudJsonContext.Default.FraudAlert) is { AlertId.Length: > 0 } alert
                && store.Add(alert))
            {
                Interlocked.Increment(ref _stored);
            }
        }
        catch (JsonException e)
        {
            // The Notifier parks unreadable alerts on the dead-letter topic; here they are only skipped.
            logger.LogDebug("Alert archive skipped a message it could not read: {Error}", e.Message);
        }
    }
}
