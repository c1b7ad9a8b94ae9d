using Confluent.Kafka;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// Counts the outputs not yet acknowledged by the broker, in two delivery epochs flipped at each background checkpoint,
/// so that a checkpoint waits only for the outputs it covers; any failed delivery fails the next checkpoint.
/// <see cref="CloseEpoch"/> runs on the emitter thread, <see cref="Produce"/> there and on the consumer's (merchant
/// partials); delivery reports on librdkafka's. A message is counted in the epoch current when it is handed over, so a
/// checkpoint marker queued after it waits for it.
/// </summary>
internal sealed class DeliveryTracker
{
    private readonly Action<DeliveryReport<byte[], byte[]>>[] onDelivered;
    private readonly long[] outstanding = new long[2];
    private readonly Lock epochGate = new();
    private int epoch;
    private long failures;
    private string? lastError;

    public DeliveryTracker() => onDelivered = [report => OnDelivered(report, 0), report => OnDelivered(report, 1)];

    /// <summary>Hands the message to the producer, counted in the current epoch; waits while the producer's queue is full.</summary>
    public void Produce(IProducer<byte[], byte[]> producer, string topic, Message<byte[], byte[]> message) =>
        Produce(producer, new TopicPartition(topic, Partition.Any), message);

    /// <inheritdoc cref="Produce(IProducer{byte[], byte[]}, string, Message{byte[], byte[]})"/>
    /// <param name="acknowledged">Also told, on librdkafka's thread, of each message the broker acknowledged.</param>
    public void Produce(IProducer<byte[], byte[]> producer, TopicPartition destination, Message<byte[], byte[]> message,
        Action<DeliveryReport<byte[], byte[]>>? acknowledged = null)
    {
        while (true)
        {
            int current;
            lock (epochGate)
            {
                current = epoch;
                Interlocked.Increment(ref outstanding[current]);
            }
            try
            {
                var counted = onDelivered[current];
                producer.Produce(destination, message, acknowledged is null ? counted : report =>
                {
                    if (!report.Error.IsError)
                    {
                        acknowledged(report);
                    }
                    counted(report);
                });
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                Interlocked.Decrement(ref outstanding[current]);
                Thread.Sleep(1); // back-pressure: let deliveries drain (the client polls its delivery reports itself)
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                // Refused outright (e.g. too large): counts as unacknowledged, so no checkpoint passes this point.
                Interlocked.Decrement(ref outstanding[current]);
                Interlocked.Increment(ref failures);
                lastError = e.Error.Reason;
                return;
            }
        }
    }

    /// <summary>Starts a new epoch and returns the one it closes: everything produced so far is counted there.</summary>
    public int CloseEpoch()
    {
        lock (epochGate)
        {
            var closing = epoch;
            epoch ^= 1;
            return closing;
        }
    }

    public bool AllAcknowledged(int closedEpoch) => Interlocked.Read(ref outstanding[closedEpoch]) == 0;

    /// <summary>Throws when any output was not acknowledged: the consumer then restarts from the last checkpoint.</summary>
    public void ThrowIfAnyFailed()
    {
        var failed = Interlocked.Read(ref failures);
        if (failed > 0)
        {
            throw new KafkaException(new Error(ErrorCode.Local_Fail,
                $"{failed} output message(s) were not acknowledged ({lastError}); restarting from the last checkpoint"));
        }
    }

    private void OnDelivered(DeliveryReport<byte[], byte[]> report, int deliveryEpoch)
    {
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref failures);
            lastError = report.Error.Reason;
        }
        Interlocked.Decrement(ref outstanding[deliveryEpoch]);
    }
}
