using Confluent.Kafka;

namespace FraudDetection.Scoring.Pipeline;

/// <summary>
/// The Kafka clients of one <see cref="ScoringConsumer"/> run and how it is ending, shared by its parts (consume loop,
/// emitter, checkpoints): a kill stops everything as a crash would; once the clients are gone nothing may use them.
/// </summary>
internal sealed class ConsumerRun
{
    private volatile bool killed;
    private volatile bool clientsGone;

    public IConsumer<byte[], byte[]>? Consumer { get; set; }

    public IProducer<byte[], byte[]>? Producer { get; set; }

    public bool Killed => killed;

    /// <summary>Killed, or the clients are disposed: background work must stop.</summary>
    public bool Over => killed || clientsGone;

    public void Kill() => killed = true;

    public void DisposeClients()
    {
        clientsGone = true;
        try
        {
            Consumer?.Dispose();
        }
        finally
        {
            Producer?.Dispose();
            Consumer = null;
            Producer = null;
        }
    }
}
