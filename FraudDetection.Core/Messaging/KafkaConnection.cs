using Microsoft.Extensions.Configuration;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// The Kafka connection every service reads: <c>ConnectionStrings:kafka</c> (environment <c>ConnectionStrings__kafka</c>,
/// as Aspire's <c>WithReference</c> sets it), the bootstrap servers <c>host:port[,host:port]</c>.
/// </summary>
public static class KafkaConnection
{
    public const string ConnectionStringName = "kafka";

    /// <summary>The configured bootstrap servers; null when unset or blank.</summary>
    public static string? BootstrapServers(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } servers && !string.IsNullOrWhiteSpace(servers) ? servers : null;

    /// <summary>The one-line error a service reports when it needs Kafka and none is configured.</summary>
    public static string NotConfigured(string service) =>
        $"ConnectionStrings:{ConnectionStringName} is not set: {service} needs the Kafka bootstrap servers (e.g. ConnectionStrings__{ConnectionStringName}=127.0.0.1:9092).";
}
