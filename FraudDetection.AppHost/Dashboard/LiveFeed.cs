using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.AppHost.Dashboard;

/// <summary>A scored transaction as the page shows it: card masked, nothing else personal.</summary>
public sealed record FeedTransaction(
    string TransNum, DateTime Time, string CardMasked, string Merchant, string Category, double Amount,
    double Score, bool IsAlert, int? LabelFraud, string ModelVersion, string? TopReason);

public sealed record FeedAlert(
    string TransNum, DateTimeOffset RaisedAt, string CardMasked, string Merchant, string Category, double Amount,
    double Score, string ModelVersion, string? TopReason);

public sealed record MerchantVolume(string Merchant, long Transactions, long Alerts);

/// <summary>What the KB dashboard panels show, at one moment.</summary>
public sealed record FeedSnapshot(
    IReadOnlyList<FeedTransaction> Latest,
    IReadOnlyList<FeedAlert> Alerts,
    long Scored,
    long PredictedFraud,
    long PredictedNotFraud,
    long LabelledFraud,
    IReadOnlyList<MerchantVolume> TopMerchants);

/// <summary>
/// Reads <c>transactions.scored</c> and <c>fraud.alerts</c> with the page's own consumer group (latest offsets),
/// and keeps the latest items and the KB panel aggregates in memory.
/// </summary>
public sealed class LiveFeed(IConfiguration configuration, ILogger<LiveFeed> logger) : BackgroundService
{
    public const string ConsumerGroup = "apphost-page";
    private const int Keep = 25;

    private readonly object _gate = new();
    private readonly LinkedList<FeedTransaction> _latest = new();
    private readonly LinkedList<FeedAlert> _alerts = new();
    private readonly Dictionary<string, (long Transactions, long Alerts)> _merchants = [];
    private long _scored, _predictedFraud, _labelledFraud;

    public FeedSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new FeedSnapshot(
                _latest.ToList(),
                _alerts.ToList(),
                _scored,
                _predictedFraud,
                _scored - _predictedFraud,
                _labelledFraud,
                _merchants.OrderByDescending(m => m.Value.Transactions).Take(10)
                    .Select(m => new MerchantVolume(m.Key, m.Value.Transactions, m.Value.Alerts)).ToList());
        }
    }

    internal void Add(ScoredTransaction scored)
    {
        var t = scored.Transaction;
        var item = new FeedTransaction(t.TransNum, t.TransDateTransTime, t.MaskedCard, t.Merchant, t.Category, t.Amt,
            scored.Score, scored.IsAlert, t.IsFraud, scored.ModelVersion, scored.Reasons.FirstOrDefault()?.Feature);
        lock (_gate)
        {
            _scored++;
            if (scored.IsAlert)
            {
                _predictedFraud++;
            }
            if (t.IsFraud == 1)
            {
                _labelledFraud++;
            }
            var m = _merchants.GetValueOrDefault(t.Merchant);
            _merchants[t.Merchant] = (m.Transactions + 1, m.Alerts + (scored.IsAlert ? 1 : 0));
            if (_merchants.Count > 5000)
            {
                // Bounded memory: drop the long tail of small merchants.
                foreach (var small in _merchants.OrderBy(x => x.Value.Transactions).Take(2500).Select(x => x.Key).ToList())
                {
                    _merchants.Remove(small);
                }
            }
            _latest.AddFirst(item);
            if (_latest.Count > Keep)
            {
                _latest.RemoveLast();
            }
        }
    }

    internal void Add(FraudAlert alert)
    {
        var item = new FeedAlert(alert.TransNum, alert.RaisedAt, alert.CardMasked, alert.Merchant, alert.Category,
            alert.Amount, alert.Score, alert.ModelVersion, alert.Reasons.FirstOrDefault()?.Feature);
        lock (_gate)
        {
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
        var bootstrap = configuration.GetConnectionString("kafka");
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            logger.LogWarning("No ConnectionStrings:kafka; the live feed stays empty");
            return;
        }
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = ConsumerGroup,
            AutoOffsetReset = AutoOffsetReset.Latest,
            EnableAutoCommit = true,
            EnablePartitionEof = false,
        };
        using var consumer = new ConsumerBuilder<byte[]?, byte[]>(config)
            .SetErrorHandler((_, e) => logger.LogDebug("live feed consumer: {Reason}", e.Reason))
            .Build();
        consumer.Subscribe([Topics.Scored, Topics.Alerts]);
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
                    logger.LogDebug("live feed: {Reason}", e.Error.Reason);
                    continue;
                }
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }
                try
                {
                    if (result.Topic == Topics.Scored && JsonSerializer.Deserialize(value, FraudJsonContext.Default.ScoredTransaction) is { } scored)
                    {
                        Add(scored);
                    }
                    else if (result.Topic == Topics.Alerts && JsonSerializer.Deserialize(value, FraudJsonContext.Default.FraudAlert) is { } alert)
                    {
                        Add(alert);
                    }
                }
                catch (JsonException e)
                {
                    logger.LogDebug("live feed skipped a message it could not read: {Error}", e.Message);
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
}
