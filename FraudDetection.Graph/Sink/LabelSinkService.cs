using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using Microsoft.Extensions.Options;

namespace FraudDetection.Graph.Sink;

/// <summary>
/// Consumes <see cref="Topics.Labels"/> (group <c>{Graph:GroupId}-labels</c>) into the graph: each verdict is kept
/// (the newest per transaction wins) and marks its edge. Verdicts come at human pace: one at a time is enough, and an
/// offset is committed only after its write. An unreadable verdict is logged and skipped.
/// </summary>
public sealed partial class LabelSinkService(
    IGraphStore store,
    IOptions<GraphOptions> options,
    IConfiguration configuration,
    ILogger<LabelSinkService> logger) : BackgroundService
{
    /// <summary>Verdicts written to the graph.</summary>
    public long Written { get; private set; }

    /// <summary>Messages that were not a verdict.</summary>
    public long Skipped { get; private set; }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrapServers = KafkaConnection.BootstrapServers(configuration);
        return bootstrapServers is null
            ? Task.CompletedTask // the graph sink reports the missing connection
            : Task.Factory.StartNew(() => Run(bootstrapServers, stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    private async Task Run(string bootstrapServers, CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = options.Value.GroupId + "-labels",
            ClientId = "graph-labels",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = options.Value.SessionTimeoutMs,
        }.WithLongPollSlices().WithIdleFetchWait(configuration)).SetErrorHandler((_, error) => LogKafkaError(error.Reason)).Build();
        consumer.Subscribe(Topics.Labels);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                ConsumeResult<Ignore, byte[]> message;
                try
                {
                    message = consumer.Consume(stoppingToken);
                }
                catch (ConsumeException e)
                {
                    LogKafkaError(e.Error.Reason);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }
                if (Read(message) is { } label)
                {
                    await WriteUntilDoneAsync(label, stoppingToken);
                }
                consumer.Commit(message);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            consumer.Close();
        }
    }

    private FraudLabel? Read(ConsumeResult<Ignore, byte[]> message)
    {
        if (FraudLabel.TryRead(message.Message.Value, out _) is { } label)
        {
            return label;
        }
        Skipped++;
        LogSkipped(message.Partition.Value, message.Offset.Value);
        return null;
    }

    private async Task WriteUntilDoneAsync(FraudLabel label, CancellationToken stoppingToken)
    {
        var delay = options.Value.RetryDelay;
        while (true)
        {
            try
            {
                await store.LabelAsync([label], stoppingToken);
                Written++;
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogWriteFailed(e.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxRetryDelay.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Graph label reader: Kafka error {Reason}")]
    private partial void LogKafkaError(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Graph label reader skipped an unreadable verdict at fraud.labels[{Partition}]@{Offset}")]
    private partial void LogSkipped(int partition, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Graph label write failed ({Reason}); retrying in {Delay}")]
    private partial void LogWriteFailed(string reason, TimeSpan delay);
}
