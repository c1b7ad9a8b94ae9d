using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Deletes what every reader of a topic has committed past (<see cref="ConsumedTrimOptions"/>), as a queue would.
/// librdkafka's mock finds the records of each fetch by walking the partition's log from its start, and at a low rate
/// every record is its own batch: a log filled to the mock's 5 MB made each record read cost a walk of ~10,000 entries,
/// and the broker the busiest process of an idle system. A partition a reader has not committed on keeps everything.
/// </summary>
public sealed class ConsumedLogTrimmer(DevKafkaBroker broker, IOptions<DevKafkaOptions> options, ILogger<ConsumedLogTrimmer> logger) : BackgroundService
{
    private readonly Dictionary<string, IConsumer<byte[], byte[]>> groups = [];
    private readonly HashSet<string> unknownTopics = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var trim = options.Value.Trim;
        if (trim.Readers.Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(trim.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (broker.Kafka is not { } kafka)
            {
                continue;
            }
            try
            {
                await Task.Run(() => TrimOnce(kafka, trim), stoppingToken);
            }
            catch (Exception e) when (e is KafkaException or InvalidOperationException)
            {
                logger.LogWarning("Trimming read records failed ({Error}); trying again in {Interval}", e.Message, trim.Interval);
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var consumer in groups.Values)
        {
            consumer.Dispose();
        }
        groups.Clear();
    }

    /// <summary>One pass over the topics: each partition's log start moves up to the slowest reader's committed offset less the kept records.</summary>
    public long TrimOnce(EmbeddedKafka kafka, ConsumedTrimOptions trim)
    {
        long deleted = 0;
        foreach (var (topic, readers) in trim.Readers)
        {
            if (readers.Length == 0)
            {
                continue;
            }
            var probe = Reader(kafka, readers[0]);
            var partitions = PartitionsOf(probe, topic);
            if (partitions.Count == 0 && unknownTopics.Add(topic))
            {
                logger.LogWarning("DevKafka:Trim:Readers names topic {Topic}, which the broker does not have; nothing of it is deleted", topic);
            }
            foreach (var partition in partitions)
            {
                var tp = new TopicPartition(topic, partition);
                long slowest = long.MaxValue;
                foreach (var group in readers)
                {
                    var committed = Reader(kafka, group).Committed([tp], TimeSpan.FromSeconds(5)).Single().Offset;
                    slowest = committed == Offset.Unset ? -1 : Math.Min(slowest, committed.Value);
                    if (slowest < 0)
                    {
                        break;
                    }
                }
                var before = slowest - trim.KeepMessages;
                if (slowest < 0 || before <= 0)
                {
                    continue;
                }
                var start = probe.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(5)).Low.Value;
                if (before > start)
                {
                    kafka.DeleteRecords(topic, partition, before);
                    deleted += before - start;
                }
            }
        }
        if (deleted > 0)
        {
            logger.LogDebug("Deleted {Records} records every reader had committed past", deleted);
        }
        return deleted;
    }

    /// <summary>A client of <paramref name="group"/> that never joins it: it only asks for the group's committed offsets.</summary>
    private IConsumer<byte[], byte[]> Reader(EmbeddedKafka kafka, string group)
    {
        if (!groups.TryGetValue(group, out var consumer))
        {
            consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
            {
                BootstrapServers = kafka.BootstrapServers,
                GroupId = group,
                EnableAutoCommit = false,
            }).Build();
            groups[group] = consumer;
        }
        return consumer;
    }

    private static List<int> PartitionsOf(IConsumer<byte[], byte[]> consumer, string topic)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var found = admin.GetMetadata(topic, TimeSpan.FromSeconds(5)).Topics.SingleOrDefault();
        return found is null || found.Error.IsError ? [] : [.. found.Partitions.Select(p => p.PartitionId)];
    }
}
