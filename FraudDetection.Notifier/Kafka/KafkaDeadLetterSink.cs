using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Notifier.Delivery;

namespace FraudDetection.Notifier.Kafka;

/// <summary>
/// Writes alerts no channel took to <see cref="Topics.NotificationsDeadLetter"/> (and unreadable alert messages to
/// <see cref="Topics.DeadLetter"/>), waiting for the broker's ack so an offset is committed only after it.
/// </summary>
public sealed class KafkaDeadLetterSink(IConfiguration configuration) : INotificationDeadLetterSink, IDisposable
{
    private readonly Lazy<IProducer<string, byte[]>> _producer = new(() =>
        new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = AlertConsumerWorker.BootstrapServers(configuration),
            Acks = Acks.All,
            EnableIdempotence = true,
            ClientId = "notifier-deadletter",
        }.WithLongPollSlices()).Build());

    public async Task PublishAsync(IReadOnlyList<NotificationDeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        foreach (var letter in deadLetters)
        {
            await _producer.Value.ProduceAsync(Topics.NotificationsDeadLetter, new Message<string, byte[]>
            {
                Key = letter.Alert.CardId,
                Value = JsonSerializer.SerializeToUtf8Bytes(letter, FraudJsonContext.Default.NotificationDeadLetter),
            }, cancellationToken);
        }
    }

    public async Task PublishUnreadableAsync(ConsumeResult<string?, byte[]?> source, string error, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var letter = new DeadLetter(DeadLetterReasons.Unparseable, error, source.Topic, source.Partition.Value, source.Offset.Value,
            source.Message.Key is null ? null : System.Text.Encoding.UTF8.GetBytes(source.Message.Key), source.Message.Value, at);
        await _producer.Value.ProduceAsync(Topics.DeadLetter, new Message<string, byte[]>
        {
            Key = source.Message.Key ?? "",
            Value = JsonSerializer.SerializeToUtf8Bytes(letter, FraudJsonContext.Default.DeadLetter),
        }, cancellationToken);
    }

    private int _disposed;

    public void Dispose()
    {
        // Registered under two service types, so the container may dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(5));
            _producer.Value.Dispose();
        }
    }
}
