using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Web.Feed;

/// <summary>A scored transaction as the page shows it: card masked, nothing else personal.</summary>
public sealed record FeedTransaction(
    string TransNum, DateTime Time, string CardMasked, string Merchant, string Category, double Amount,
    double Score, bool IsAlert, int? LabelFraud, string ModelVersion, string? TopReason);

/// <summary>An alert with every reason Scoring gave (feature, value, contribution to the score).</summary>
public sealed record FeedAlert(
    string AlertId, string TransNum, DateTimeOffset RaisedAt, string CardMasked, string Merchant, string Category, double Amount,
    double Score, double Threshold, string ModelVersion, IReadOnlyList<FeatureContribution> Reasons);

/// <summary>What the live feed holds at one moment.</summary>
public sealed record FeedSnapshot(IReadOnlyList<FeedTransaction> Latest, IReadOnlyList<FeedAlert> Alerts, long Seen, long Alerted);

/// <summary>
/// Reads <c>transactions.scored</c> and <c>fraud.alerts</c> from their newest offsets with a consumer group of this
/// process alone (every page instance sees every message; nothing is committed) and keeps the latest items in memory.
/// </summary>
public sealed class LiveFeed(IConfiguration configuration, ILogger<LiveFeed> logger) : BackgroundService
{
    public const string GroupPrefix = "web-live-feed";
    private const int Keep = 25;

    private readonly Lock _gate = new();
    private readonly LinkedList<FeedTransaction> _latest = new();
    private readonly LinkedList<FeedAlert> _alerts = new();
    private long _seen, _alerted;

    /// <summary>This process's consumer group.</summary>
    public static string GroupId { get; } = $"{GroupPrefix}-{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();

    public FeedSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new FeedSnapshot([.. _latest], [.. _alerts], _seen, _alerted);
        }
    }

    internal void Add(ScoredTransaction scored)
    {
        var t = scored.Transaction;
        var item = new FeedTransaction(t.TransNum, t.TransDateTransTime, t.MaskedCard, t.Merchant, t.Category, t.Amt,
            scored.Score, scored.IsAlert, t.IsFraud, scored.ModelVersion, scored.Reasons.FirstOrDefault()?.Feature);
        lock (_gate)
        {
            _seen++;
            _latest.AddFirst(item);
            if (_latest.Count > Keep)
            {
                _latest.RemoveLast();
            }
        }
    }

    internal void Add(FraudAlert alert)
    {
        var item = new FeedAlert(alert.AlertId, alert.TransNum, alert.RaisedAt, alert.CardMasked, alert.Merchant, alert.Category,
            alert.Amount, alert.Score, alert.Threshold, alert.ModelVersion, alert.Reasons);
        lock (_gate)
        {
            _alerted++;
            _alerts.AddFirst(item);
            if (_alerts.Count > Keep)
            {
                _alerts.RemoveLast();
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Consume(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Consume(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            logger.LogWarning("No ConnectionStrings:kafka; the live feed stays empty");
            return;
        }
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = GroupId,
            AutoOffsetReset = AutoOffsetReset.Latest,
            EnableAutoCommit = false,
            EnablePartitionEof = false,
            // A short session: a restarted page's old group member is gone quickly.
            SessionTimeoutMs = 6000,
        }.WithLongPollSlices().WithIdleFetchWait(configuration);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) => logger.LogDebug("Live feed consumer: {Reason}", e.Reason))
            .Build();
        consumer.Subscribe([Topics.Scored, Topics.Alerts]);
        logger.LogInformation("Live feed reading {Scored} and {Alerts} at {Bootstrap} (group {Group})", Topics.Scored, Topics.Alerts, bootstrap, GroupId);
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
                    logger.LogDebug("Live feed: {Reason}", e.Error.Reason);
                    continue;
                }
                if (result?.Message?.Value is { } value)
                {
                    Read(result.Topic, value);
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

    private void Read(string topic, byte[] value)
    {
        try
        {
            if (topic == Topics.Scored && JsonSerializer.Deserialize(value, FraudJsonContext.Default.ScoredTransaction) is { } scored)
            {
                Add(scored);
            }
            else if (topic == Topics.Alerts && JsonSerializer.Deserialize(value, FraudJsonContext.Default.FraudAlert) is { } alert)
            {
                Add(alert);
            }
        }
        catch (JsonException e)
        {
            logger.LogDebug("Live feed skipped a message it could not read: {Error}", e.Message);
        }
    }
}
