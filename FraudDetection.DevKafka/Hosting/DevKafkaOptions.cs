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

    /// <summary>What the broker deletes once it is read (<see cref="ConsumedLogTrimmer"/>): section <c>DevKafka:Trim</c>.</summary>
    public ConsumedTrimOptions Trim { get; set; } = new();

    /// <summary>
    /// Answer an empty fetch as soon as one of its topics gets data, as a real broker does, instead of when the
    /// client's <c>fetch.wait.max.ms</c> is over (<see cref="FetchLongPoll"/>).
    /// </summary>
    public bool LongPollFetches { get; set; } = true;

    /// <summary>How long a stopping broker waits for its clients to close their connections.</summary>
    public TimeSpan ClientGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>bootstrap.servers</c> value clients use.</summary>
    public string BootstrapServers => $"{Host}:{Port}";
}

/// <summary>
/// Section <c>DevKafka:Trim</c>: per topic, the consumer groups that must all have committed past a record before the
/// broker deletes it, keeping <see cref="KeepMessages"/> more behind the slowest of them. Topics not named keep
/// everything (up to the mock's 5 MB per partition).
/// </summary>
public sealed class ConsumedTrimOptions
{
    /// <summary>Topic → the groups that read it (all of them, each with committed offsets, or nothing is deleted).</summary>
    public Dictionary<string, string[]> Readers { get; set; } = [];

    /// <summary>Records kept behind the slowest reader's committed offset, per partition (0 or more).</summary>
    public int KeepMessages { get; set; } = 100;

    /// <summary>How often the logs are trimmed (more than zero).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}
