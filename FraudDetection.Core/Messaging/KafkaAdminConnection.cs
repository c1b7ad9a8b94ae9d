using Confluent.Kafka;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// A broker connection for occasional admin questions that wakes nothing between them: a producer that never sends
/// (<see cref="KafkaClientPolling.SliceMs"/> poll slices) and an admin client made on its handle for each question.
/// An admin client built on its own polls its inner producer ten times a second whatever its settings (Confluent's
/// client drops <c>dotnet.cancellation.delay.max.ms</c> for it), and any admin client polls for its results ten times
/// a second while it lives, so each lives for one question.
/// </summary>
public sealed class KafkaAdminConnection(string bootstrapServers, string clientId, bool quiet = false) : IDisposable
{
    private IProducer<Null, Null>? _connection;

    /// <summary>An admin client for one question (dispose it after); the connection is made on the first.</summary>
    public IAdminClient Ask()
    {
        if (_connection is null)
        {
            var builder = new ProducerBuilder<Null, Null>(new ProducerConfig { BootstrapServers = bootstrapServers, ClientId = clientId }.WithLongPollSlices());
            if (quiet)
            {
                builder.SetLogHandler((_, _) => { }); // a broker that is down is the caller's answer, not a log line per retry
            }
            _connection = builder.Build();
        }
        return new DependentAdminClientBuilder(_connection.Handle).Build();
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
    }
}
