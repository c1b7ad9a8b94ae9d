using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// Scoring's side of the merchant features, used by the scoring consumer on its thread: it sends each card partition's
/// closed days to the merchant stage, holds a partition's messages back while the merchant table does not yet cover
/// the day its next transaction needs (so a value never depends on how far behind the stage is), and declares
/// caught-up, quiet partitions idle so they do not hold the table back.
/// </summary>
public sealed class MerchantLink(MerchantTable table, MerchantOptions options)
{
    private static readonly FeatureGroup MerchantGroup = FeatureGroups.Get(FeatureGroups.Merchant);
    private readonly Dictionary<int, Queue<Parked>> parked = [];
    private readonly Dictionary<int, long> lastParkedOffset = [];
    private readonly HashSet<int> paused = [];
    private int sourceCount;
    private int stagePartitions;
    private int releaseCursor;

    public MerchantTable Table => table;

    /// <summary>Messages held back now.</summary>
    public int ParkedCount { get; private set; }

    /// <summary>Times a transaction had to wait for the merchant table.</summary>
    public long Waits { get; private set; }

    /// <summary>Whether a model reads merchant features (only then does a transaction wait for the table).</summary>
    public static bool Needs(FeatureSchema model) => model.Names.Any(n => MerchantGroup.Features.Any(f => f.Name == n));

    /// <summary>Learns the partition counts of the card topic and of <c>merchant.partials</c> (once; throws if unavailable).</summary>
    public void EnsureTopology(IConsumer<byte[], byte[]> consumer, string sourceTopic)
    {
        if (sourceCount > 0)
        {
            return;
        }
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        sourceCount = Count(admin, sourceTopic);
        stagePartitions = Count(admin, Topics.MerchantPartials);
    }

    /// <summary>The table's progress and each partition's merchant day, for the stats.</summary>
    public MerchantProgress Progress(IEnumerable<PartitionState> states) => new(
        MerchantDays.Format(table.History.CompleteThrough), MerchantDays.Format(table.History.NewestOpenDay), ParkedCount, Waits,
        [.. states.OrderBy(s => s.Partition).Select(s => s.Features.MerchantPartials is { } p
            ? new MerchantPartitionProgress(s.Partition, MerchantDays.Format(p.OpenDay), MerchantDays.Format(p.ClosedThrough), p.Idle,
                parked.TryGetValue(s.Partition, out var q) ? q.Count : 0, p.LateTransactions)
            : new MerchantPartitionProgress(s.Partition, "none", "none", false, 0, 0))],
        new MerchantHandOver(table.LocalStage?.HandedOver ?? 0, table.HandedOver));

    public bool IsParked(int partition) => parked.TryGetValue(partition, out var queue) && queue.Count > 0;

    /// <summary>
    /// Before a transaction is featurized: closes its partition's open day when the transaction is on a later one (the
    /// table's completion may be waiting for exactly that), then says whether the transaction must wait.
    /// </summary>
    public bool MustWait(IFeatureState state, Transaction transaction, bool modelNeedsTable)
    {
        state.AdvanceMerchantDay(transaction);
        if (!modelNeedsTable || table.Covers(MerchantDays.Of(transaction.TransDateTransTime)))
        {
            return false;
        }
        Waits++;
        return true;
    }

    /// <summary>Holds a message (and its parsed transaction) back, behind any already held for its partition.</summary>
    public void Park(IConsumer<byte[], byte[]>? consumer, ConsumeResult<byte[], byte[]> message, Transaction? transaction)
    {
        var partition = message.Partition.Value;
        if (lastParkedOffset.TryGetValue(partition, out var last) && message.Offset.Value <= last)
        {
            return; // fetched again after a resume
        }
        lastParkedOffset[partition] = message.Offset.Value;
        if (!parked.TryGetValue(partition, out var queue))
        {
            parked[partition] = queue = new Queue<Parked>();
        }
        queue.Enqueue(new Parked(message, transaction));
        ParkedCount++;
        if (queue.Count >= options.MaxParkedPerPartition && consumer is not null && paused.Add(partition))
        {
            consumer.Pause([message.TopicPartition]);
        }
    }

    /// <summary>
    /// The held messages of each partition, oldest first, while <paramref name="take"/> accepts them and fewer than
    /// <paramref name="budget"/> have gone; each call starts at the next partition, so none waits behind another's
    /// backlog. True when it stopped at the budget (there may be more to release now).
    /// </summary>
    public bool Release(IConsumer<byte[], byte[]>? consumer, Func<Parked, bool> take, int budget)
    {
        if (parked.Count == 0)
        {
            return false;
        }
        var order = parked.Keys.ToArray();
        var start = releaseCursor % order.Length;
        releaseCursor = start + 1; // kept below the partition count: a counter would overflow in a long-running service
        var released = 0;
        for (var i = 0; i < order.Length && released < budget; i++)
        {
            var partition = order[(start + i) % order.Length];
            var queue = parked[partition];
            while (queue.Count > 0 && released < budget && take(queue.Peek()))
            {
                queue.Dequeue();
                ParkedCount--;
                released++;
            }
            if (queue.Count == 0)
            {
                parked.Remove(partition);
                lastParkedOffset.Remove(partition);
                if (paused.Remove(partition) && consumer is not null)
                {
                    consumer.Resume([new TopicPartition(TopicOf(consumer), partition)]);
                }
            }
        }
        return released >= budget;
    }

    /// <summary>Drops what is held for partitions this member no longer owns (their next owner reads them again).</summary>
    public void Forget(IEnumerable<int> partitions)
    {
        foreach (var partition in partitions)
        {
            if (parked.Remove(partition, out var queue))
            {
                ParkedCount -= queue.Count;
            }
            lastParkedOffset.Remove(partition);
            paused.Remove(partition);
        }
    }

    /// <summary>
    /// Partitions caught up and quiet for <see cref="MerchantOptions.IdleAfterMs"/> stop holding the table back: with
    /// nothing open they say so; with a day open they close it once another partition is past it.
    /// </summary>
    public void DeclareIdle(IEnumerable<(PartitionState State, long Lag, long QuietMs)> partitions)
    {
        var list = partitions.ToList();
        var newest = table.History.NewestOpenDay;
        foreach (var (state, _, _) in list)
        {
            if (state.Features.MerchantPartials is { OpenDay: var open } && open > newest) newest = open;
        }
        foreach (var (state, lag, quietMs) in list)
        {
            if (lag == 0 && quietMs >= options.IdleAfterMs && !IsParked(state.Partition))
            {
                state.Features.MerchantPartials?.DeclareIdle(newest);
            }
        }
    }

    /// <summary>The partitions' news (closed days, progress) as messages for <c>merchant.partials</c>.</summary>
    public void Collect(IEnumerable<PartitionState> states, List<(TopicPartition Destination, byte[] Key, byte[] Value)> into)
    {
        foreach (var state in states)
        {
            if (state.Features.MerchantPartials is not { HasNews: true } partials || sourceCount == 0)
            {
                continue;
            }
            var key = System.Text.Encoding.ASCII.GetBytes(state.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (stage, message) in partials.TakeMessages(state.Partition, sourceCount, stagePartitions))
            {
                into.Add((new TopicPartition(Topics.MerchantPartials, stage), key, message.Encode()));
            }
        }
    }

    private static string TopicOf(IConsumer<byte[], byte[]> consumer) => consumer.Subscription.FirstOrDefault() ?? Topics.Transactions;

    private static int Count(IAdminClient admin, string topic)
    {
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single();
        if (metadata.Error.IsError || metadata.Partitions.Count == 0)
        {
            throw new InvalidOperationException($"topic {topic} is not available: {metadata.Error.Reason}");
        }
        return metadata.Partitions.Count;
    }

    /// <summary>A message held back, with its transaction when it parsed.</summary>
    public readonly record struct Parked(ConsumeResult<byte[], byte[]> Message, Transaction? Transaction);
}
