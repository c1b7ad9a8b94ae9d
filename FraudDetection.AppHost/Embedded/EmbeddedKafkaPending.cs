// Temporary stand-in until the foundation branch (EmbeddedKafka in Core) is merged; deleted at that merge.
namespace FraudDetection.Core.Kafka;

internal sealed class EmbeddedKafka : IDisposable
{
    public string BootstrapServers => throw new NotSupportedException("EmbeddedKafka arrives with the foundation branch");

    public static EmbeddedKafka Start(int brokers = 1, int partitions = 4, params string[] topics) =>
        throw new FraudDetection.AppHost.Hosting.AppHostConfigurationException("the embedded Kafka broker arrives with the foundation branch");

    public void Dispose()
    {
    }
}
