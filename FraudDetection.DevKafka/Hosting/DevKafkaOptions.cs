using System.ComponentModel.DataAnnotations;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>Options section <c>DevKafka</c>: where the development broker answers and how its topics are laid out.</summary>
public sealed class DevKafkaOptions
{
    public const string SectionName = "DevKafka";

    /// <summary>The address clients bootstrap from and the broker advertises in its metadata.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The fixed port of <see cref="Host"/> (the mock's own listener is ephemeral and relayed from here).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 9092;

    /// <summary>Partitions of every topic; each keeps only its newest 5 MB (librdkafka's mock), so more partitions keep more.</summary>
    [Range(1, 256)]
    public int Partitions { get; set; } = 4;

    /// <summary>How long a stopping broker waits for its clients to close their connections.</summary>
    public TimeSpan ClientGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>bootstrap.servers</c> value clients use.</summary>
    public string BootstrapServers => $"{Host}:{Port}";
}
