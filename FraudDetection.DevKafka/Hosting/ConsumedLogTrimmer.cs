using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;

namespace FraudDetection.DevKafka.Hosting;

/// <summary>
/// Deletes what every reader of a topic has committed past (<see cref="ConsumedTrimOptions"/>), as a queue would.
/// librdkafka's mock finds the records of each fetch by walking the partition's log from its start, and at a low rate
/// every record is its own batch: a log filled to the mock's 5 MB made each record read cost a walk of ~10,000 entries,
/// and the broker the busiest process of an idle system. A partition a reader has not committed on keeps everything.
/// The groups' committed offsets are asked through a <see cref="KafkaAdminConnection"/>, one admin client a pass: a
/// consumer per group would keep four clients' threads waking a few times a second between passes.
/// </summary>
public sealed class ConsumedLogTrimmer(DevKafkaBroker broker, IOptions<DevKafkaOptions> options, ILogger<ConsumedLogTrimmer> logger) : BackgroundService
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);
    private readonly HashSet<string> unknownTopics = [];
    private KafkaAdminConnection? connection;

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
                await TrimOnceAsync(kafka, trim);
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
        connection?.Dispose();
        connection = null;
    }

    /// <summary>One pass over the topics: each partition's log start moves up to the slowest reader's committed offset less the kept records.</summary>
    public async Task<long> TrimOnceAsync(EmbeddedKafka kafka, ConsumedTrimOptions trim)
    {
        connection ??= new KafkaAdminConnection(kafka.BootstrapServers, "trimmer");
        using var admin = connection.Ask();
        var metadata = admin.GetMetadata(AnswerTimeout);
        long deleted = 0;
        foreach (var (topic, readers) in trim.Readers)
        {
            if (readers.Length == 0)
            {
                continue;
            }
            var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic && !t.Error.IsError);
            if (found is null)
            {
                if (unknownTopics.Add(topic))
                {
                    logger.LogWarning("DevKafka:Trim:Readers names topic {Topic}, which the broker does not have; nothing of it is deleted", topic);
                }
                continue;
            }
            List<TopicPartition> partitions = [.. found.Partitions.Select(p => new TopicPartition(topic, p.PartitionId))];
            var slowest = partitions.ToDictionary(tp => tp.Partition.Value, _ => long.MaxValue);
            foreach (var group in readers)
            {
                // librdkafka answers one group per request.
                var answer = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, partitions)],
                    new ListConsumerGroupOffsetsOptions { RequestTimeout = AnswerTimeout });
                foreach (var committed in answer.Single().Partitions)
                {
                    var partition = committed.Partition.Value;
                    slowest[partition] = committed.Offset == Offset.Unset || committed.Error.IsError ? -1 : Math.Min(slowest[partition], committed.Offset.Value);
                }
            }
            // A partition some group left unanswered (still MaxValue) or has no offset on (-1) keeps everything.
            var trimmable = partitions.Where(tp => slowest[tp.Partition.Value] < long.MaxValue && slowest[tp.Partition.Value] - trim.KeepMessages > 0).ToList();
            if (trimmable.Count == 0)
            {
                continue;
            }
            var starts = await admin.ListOffsetsAsync(trimmable.Select(tp => new TopicPartitionOffsetSpec { TopicPartition = tp, OffsetSpec = OffsetSpec.Earliest() }),
                new ListOffsetsOptions { RequestTimeout = AnswerTimeout });
            foreach (var start in starts.ResultInfos.Select(r => r.TopicPartitionOffsetError).Where(r => !r.Error.IsError))
            {
                var before = slowest[start.Partition.Value] - trim.KeepMessages;
                if (before > start.Offset.Value)
                {
                    kafka.DeleteRecords(topic, start.Partition.Value, before);
                    deleted += before - start.Offset.Value;
                }
            }
        }
        if (deleted > 0)
        {
            logger.LogDebug("Deleted {Records} records every reader had committed past", deleted);
        }
        return deleted;
    }
}
