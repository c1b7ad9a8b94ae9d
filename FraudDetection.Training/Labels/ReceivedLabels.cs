using System.Globalization;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

namespace FraudDetection.Training.Labels;

/// <summary>
/// The verdicts the system has received on <c>fraud.labels</c> (chargebacks, card holders' answers, analysts), the
/// newest per transaction, as they stood when a training run started. A run applies them to its targets
/// (<see cref="ApplyTo"/>) and records what it saw (<see cref="Params"/>).
/// </summary>
public sealed class ReceivedLabels
{
    private ReceivedLabels(IReadOnlyDictionary<string, FraudLabel> byTransNum, int skipped, string source)
    {
        ByTransNum = byTransNum;
        Skipped = skipped;
        Source = source;
    }

    /// <summary>The newest verdict (by <see cref="FraudLabel.LearnedAt"/>) per trans_num.</summary>
    public IReadOnlyDictionary<string, FraudLabel> ByTransNum { get; }

    /// <summary>Messages that were not a valid verdict (unreadable JSON, unknown label, no trans_num).</summary>
    public int Skipped { get; }

    /// <summary>Where they came from: the topic, or why none were read.</summary>
    public string Source { get; }

    /// <summary>No verdicts, with the reason recorded in the run's params.</summary>
    public static ReceivedLabels None(string reason) => new(new Dictionary<string, FraudLabel>(), 0, reason);

    /// <summary>Keeps the newest valid verdict per trans_num out of raw message values; counts the rest as skipped.</summary>
    public static ReceivedLabels From(IEnumerable<byte[]?> values, string source)
    {
        var newest = new Dictionary<string, FraudLabel>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var value in values)
        {
            if (FraudLabel.TryRead(value, out _) is not { } label)
            {
                skipped++;
                continue;
            }
            if (!newest.TryGetValue(label.TransNum, out var known) || label.LearnedAt >= known.LearnedAt)
            {
                newest[label.TransNum] = label;
            }
        }
        return new ReceivedLabels(newest, skipped, source);
    }

    /// <summary>
    /// Reads every partition of <c>fraud.labels</c> from its beginning up to the high watermarks taken at the start
    /// (verdicts arriving during the read wait for the next run). Assigned, never joins a group or commits.
    /// </summary>
    public static ReceivedLabels Read(string bootstrapServers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"training-labels-{Guid.NewGuid():N}", // assigned, never joins or commits
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnablePartitionEof = true, // a partition whose last offsets are markers still ends
        }).Build();
        var ends = new Dictionary<int, long>();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var topic = admin.GetMetadata(Topics.Labels, timeout).Topics.Single();
            if (topic.Error.IsError || topic.Partitions.Count == 0)
            {
                return None($"{Topics.Labels} not available ({topic.Error.Reason})");
            }
            foreach (var partition in topic.Partitions)
            {
                var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(Topics.Labels, partition.PartitionId), timeout);
                if (watermarks.High.Value > watermarks.Low.Value)
                {
                    ends[partition.PartitionId] = watermarks.High.Value;
                }
            }
        }
        var values = new List<byte[]?>();
        if (ends.Count > 0)
        {
            consumer.Assign(ends.Keys.Select(p => new TopicPartitionOffset(Topics.Labels, p, Offset.Beginning)));
            var deadline = DateTime.UtcNow + timeout;
            while (ends.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{Topics.Labels} not read to its end within {timeout.TotalSeconds:0} s");
                }
                var message = consumer.Consume(200);
                if (message is null)
                {
                    continue;
                }
                var partition = message.Partition.Value;
                if (message.IsPartitionEOF)
                {
                    ends.Remove(partition);
                    continue;
                }
                if (!ends.TryGetValue(partition, out var end) || message.Offset.Value >= end)
                {
                    continue;
                }
                values.Add(message.Message.Value);
                if (message.Offset.Value + 1 >= end)
                {
                    ends.Remove(partition);
                }
            }
        }
        consumer.Close();
        return From(values, Topics.Labels);
    }

    /// <summary>
    /// Sets the target of each row whose trans_num has a verdict: 1 for fraud, 0 for genuine (a verdict overrides the
    /// file's label). Only the targets: the features (the card's known frauds among them) stay those Scoring computes.
    /// </summary>
    public LabelsApplied ApplyTo(int[] targets, string[] transactionIds, int rows)
    {
        int applied = 0, changed = 0;
        for (var row = 0; row < rows; row++)
        {
            if (ByTransNum.TryGetValue(transactionIds[row], out var label))
            {
                var target = label.IsFraud ? 1 : 0;
                applied++;
                if (targets[row] != target)
                {
                    changed++;
                    targets[row] = target;
                }
            }
        }
        return new LabelsApplied(applied, changed);
    }

    /// <summary>The run's params: what it received, by source, what matched a row and what it changed.</summary>
    public IReadOnlyDictionary<string, string> Params(LabelsApplied applied) => new Dictionary<string, string>
    {
        ["labels_from"] = Source,
        ["labels_received"] = ByTransNum.Count.ToString(CultureInfo.InvariantCulture),
        ["labels_by_source"] = string.Join(",", LabelSources.All.Select(s => $"{s}={ByTransNum.Values.Count(l => l.Source == s)}")),
        ["labels_applied"] = applied.Applied.ToString(CultureInfo.InvariantCulture),
        ["labels_changed"] = applied.Changed.ToString(CultureInfo.InvariantCulture),
        ["labels_skipped"] = Skipped.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>Verdicts that matched a training row, and those that changed its label.</summary>
public sealed record LabelsApplied(int Applied, int Changed);
