namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The development Kafka broker (<c>FraudDetection.DevKafka</c>: librdkafka's mock cluster as a process of its own).
/// Its connection string is the broker's real bootstrap address, <c>127.0.0.1:{port}</c>: the port is fixed, so the
/// address outlives a restart of the broker.
/// </summary>
public sealed class DevKafkaResource(string name) : ProjectResource(name), IResourceWithConnectionString
{
    public const string BrokerEndpointName = "broker";

    private EndpointReference? _broker;

    /// <summary>The broker's bootstrap endpoint (not proxied: Kafka clients connect to what the broker advertises).</summary>
    public EndpointReference Broker => _broker ??= new(this, BrokerEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{Broker.Property(EndpointProperty.Port)}");
}
