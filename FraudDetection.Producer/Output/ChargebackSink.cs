using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Producer.Sources;

namespace FraudDetection.Producer.Output;

/// <summary>
/// Sends the transactions on, and the chargeback of each one labelled fraud to <c>fraud.labels</c> once the stream
/// reaches its time + the delay (a simulation of the bank's chargeback process; history rows are already known and
/// send none). Chargebacks still due when the run ends are not sent: their time has not come.
/// </summary>
public sealed class ChargebackSink(ITransactionSink inner, ILabelPublisher publisher, TimeSpan delay) : ITransactionSink
{
    private readonly PriorityQueue<FraudLabel, DateTime> due = new();
    private readonly Lock gate = new();

    /// <summary>Chargebacks sent so far.</summary>
    public long Chargebacks { get; private set; }

    /// <summary>Chargebacks waiting for their time.</summary>
    public int Waiting
    {
        get
        {
            lock (gate)
            {
                return due.Count;
            }
        }
    }

    public void Send(Transaction transaction, string scenario, ColumnMapping? mapping = null)
    {
        if (scenario != HistorySource.ScenarioLabel)
        {
            lock (gate)
            {
                while (due.TryPeek(out var label, out var at) && at <= transaction.TransDateTransTime)
                {
                    due.Dequeue();
                    publisher.Publish(label);
                    Chargebacks++;
                }
                if (transaction.IsFraud == 1)
                {
                    var dueAt = transaction.TransDateTransTime + delay;
                    due.Enqueue(new FraudLabel(transaction.TransNum, CardMask.CardId(transaction.CcNum), LabelValues.Fraud, LabelSources.Chargeback,
                        transaction.TransDateTransTime, new DateTimeOffset(DateTime.SpecifyKind(dueAt, DateTimeKind.Unspecified), TimeSpan.Zero)), dueAt);
                }
            }
        }
        inner.Send(transaction, scenario, mapping);
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await inner.FlushAsync(cancellationToken);
        await publisher.FlushAsync(cancellationToken);
    }

    public long Acknowledged => inner.Acknowledged;

    public long Failed => inner.Failed;

    public string? LastError => inner.LastError;

    public async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        publisher.Dispose();
    }
}

/// <summary>Where verdicts go (<c>fraud.labels</c>).</summary>
public interface ILabelPublisher : IDisposable
{
    void Publish(FraudLabel label);

    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>Publishes verdicts to <c>fraud.labels</c> (key = card id) with an idempotent producer.</summary>
public sealed class KafkaLabelPublisher(string bootstrapServers, Action<string> onError) : ILabelPublisher
{
    private readonly IProducer<byte[], byte[]> producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        EnableIdempotence = true,
        LingerMs = 5,
    }.WithLongPollSlices()).Build();

    public void Publish(FraudLabel label) => producer.Produce(Topics.Labels, new Message<byte[], byte[]>
    {
        Key = Encoding.UTF8.GetBytes(label.CardId),
        Value = JsonSerializer.SerializeToUtf8Bytes(label, FraudJsonContext.Default.FraudLabel),
    }, report =>
    {
        if (report.Error.IsError)
        {
            onError(report.Error.Reason);
        }
    });

    public Task FlushAsync(CancellationToken cancellationToken) => Task.Run(() => producer.Flush(cancellationToken), cancellationToken);

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(5));
        producer.Dispose();
    }
}
