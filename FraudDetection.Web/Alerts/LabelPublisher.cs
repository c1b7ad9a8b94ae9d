using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Web.Alerts;

/// <summary>
/// Publishes the labels of the <see cref="AlertStore"/>'s outbox to <see cref="Topics.Labels"/> (key: card id), oldest
/// first, and marks each published once the broker has acknowledged it; a failure is retried a few seconds later.
/// A decision is stored before its label is sent, in the same transaction as the label's outbox row, so a crash before
/// the ack loses nothing: the next start sends the row again. A crash between the ack and the mark sends that one label
/// twice; its consumers take a label as a fact about a transaction (same trans_num, source and label), so a repeat
/// changes nothing. The idempotent producer keeps its own retries from duplicating it.
/// </summary>
public sealed class LabelPublisher(AlertStore store, IConfiguration configuration, TimeProvider time, ILogger<LabelPublisher> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(3);
    private readonly SemaphoreSlim _wake = new(0);
    private long _published;

    /// <summary>Labels this process has published.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Asks for the outbox to be sent now (after a decision was stored).</summary>
    public void Wake() => _wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var bootstrap = KafkaConnection.BootstrapServers(configuration);
        if (string.IsNullOrWhiteSpace(bootstrap))
        {
            logger.LogWarning("No ConnectionStrings:kafka; answers and verdicts are stored in {Path} and published once a broker is configured", store.Path);
            return;
        }
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            ClientId = "web-labels",
            MessageTimeoutMs = 30_000,
        }.WithLongPollSlices()).Build();
        while (!stoppingToken.IsCancellationRequested)
        {
            var failed = false;
            try
            {
                foreach (var pending in store.Unpublished())
                {
                    await producer.ProduceAsync(Topics.Labels, new Message<string, byte[]>
                    {
                        Key = pending.Label.CardId,
                        Value = JsonSerializer.SerializeToUtf8Bytes(pending.Label, FraudJsonContext.Default.FraudLabel),
                    }, stoppingToken);
                    store.MarkPublished(pending.Id, time.GetUtcNow());
                    Interlocked.Increment(ref _published);
                    logger.LogInformation("Published a {Source} label {Label} for alert {AlertId}", pending.Label.Source, pending.Label.Label, pending.Label.AlertId);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is KafkaException or Microsoft.Data.Sqlite.SqliteException)
            {
                logger.LogWarning("Publishing labels failed, retrying in {Delay}: {Error}", RetryAfter, e.Message);
                failed = true;
            }
            try
            {
                // Woken by a new decision; otherwise a periodic look covers a failed attempt.
                await _wake.WaitAsync(failed ? RetryAfter : TimeSpan.FromSeconds(30), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        producer.Flush(TimeSpan.FromSeconds(5));
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
