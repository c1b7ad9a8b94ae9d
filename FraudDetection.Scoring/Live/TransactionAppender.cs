using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace FraudDetection.Scoring.Live;

/// <summary>
/// Appends a transaction to <c>transactions</c> for <c>POST /api/score?update_state=true</c>, exactly as the Producer
/// sends one (key = cc_num, value = the Kaggle JSON, <c>traceparent</c> header), and waits for the broker's
/// acknowledgement. The API never touches the streaming state itself: the partition's owner applies the appended
/// transaction like any other, in order, checkpointed with its offset, once (dedupe by trans_num).
/// </summary>
public sealed class TransactionAppender(IConfiguration configuration, IOptions<ScoringOptions> options, ILogger<TransactionAppender> logger) : IDisposable
{
    private readonly Lock gate = new();
    private IProducer<byte[], byte[]>? producer;

    /// <summary>Where the transaction landed; throws <see cref="TransactionAppendException"/> when it was not acknowledged.</summary>
    public async Task<TopicPartitionOffset> AppendAsync(Transaction transaction, CancellationToken cancellationToken)
    {
        var message = new Message<byte[], byte[]>
        {
            Key = Encoding.ASCII.GetBytes(transaction.CcNum.ToString(CultureInfo.InvariantCulture)),
            Value = JsonSerializer.SerializeToUtf8Bytes(transaction, FraudJsonContext.Default.Transaction),
            Headers = TraceHeaders.For(Activity.Current),
        };
        try
        {
            var delivered = await Producer().ProduceAsync(Topics.Transactions, message, cancellationToken).ConfigureAwait(false);
            return delivered.TopicPartitionOffset;
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            logger.LogWarning("Appending transaction {TransNum} to {Topic} failed: {Reason} ({Status})",
                transaction.TransNum, Topics.Transactions, e.Error.Reason, e.DeliveryResult?.Status);
            throw new TransactionAppendException(e.Error.Reason, e.DeliveryResult?.Status == PersistenceStatus.PossiblyPersisted, e);
        }
        catch (KafkaException e)
        {
            throw new TransactionAppendException(e.Error.Reason, possiblyPersisted: false, e);
        }
    }

    private IProducer<byte[], byte[]> Producer()
    {
        lock (gate)
        {
            if (producer is not null)
            {
                return producer;
            }
            var bootstrap = KafkaConnection.BootstrapServers(configuration);
            if (string.IsNullOrWhiteSpace(bootstrap))
            {
                throw new TransactionAppendException($"ConnectionStrings:{KafkaConnection.ConnectionStringName} is not set", possiblyPersisted: false);
            }
            producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                EnableIdempotence = true,
                Acks = Acks.All,
                LingerMs = 0,
                // Bounds how long a request waits for an unavailable broker before it answers 503.
                MessageTimeoutMs = options.Value.ScoreUpdateTimeoutMs,
            }.WithLongPollSlices()).Build();
            return producer;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            producer?.Dispose();
            producer = null;
        }
    }
}

/// <summary>The transaction was not acknowledged by Kafka; <see cref="PossiblyPersisted"/> when it may still have landed.</summary>
public sealed class TransactionAppendException(string reason, bool possiblyPersisted, Exception? inner = null)
    : Exception($"the transaction could not be appended to '{Topics.Transactions}': {reason}", inner)
{
    public bool PossiblyPersisted { get; } = possiblyPersisted;
}
