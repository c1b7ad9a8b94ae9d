using CommunityToolkit.HighPerformance.Buffers;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;

namespace FraudDetection.Scoring.Merchants;

/// <summary>
/// Scoring's side of the merchant features, used by the scoring consumer on its thread: it sends each card partition's
/// closed days to the merchant stage, holds a transaction's row back while the merchant table does not yet cover the
/// day it needs (so a value never depends on how far behind the stage is), and declares caught-up, quiet partitions
/// idle so they do not hold the table back. A held transaction is featurized and folded into its partition's state
/// when it arrives, like any other; only its merchant features and its score wait. So the partition's merchant totals
/// keep flowing to the stage while it waits, and the table completes days as fast as the card partitions are read.
/// </summary>
public sealed class MerchantLink(MerchantTable table, MerchantOptions options)
{
    private static readonly FeatureGroup MerchantGroup = FeatureGroups.Get(FeatureGroups.Merchant);
    private readonly Dictionary<int, Queue<Parked>> parked = [];
    private readonly Stack<float[]> rows = new(); // row buffers of released transactions, reused
    private readonly StringPool repeatedStrings = new(16_384); // cards × holder fields, merchants, categories
    private readonly HashSet<int> paused = [];
    private readonly Dictionary<int, long> resumedAt = []; // partition → Stopwatch timestamp of its last resume
    private readonly Queue<(int Day, long At)> newestSeen = new(); // newer days seen, not yet IdleAfterMs old
    private int lastSeenNewest = MerchantDays.None;
    private int settledNewest = MerchantDays.None; // the newest day some partition has been in for IdleAfterMs
    private int sourceCount;
    private int stagePartitions;
    private int releaseCursor;

    public MerchantTable Table => table;

    /// <summary>Rows held back now.</summary>
    public int ParkedCount { get; private set; }

    /// <summary>Transactions held back: the table did not cover their day, or they were behind one it did not.</summary>
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
    /// Before a transaction is featurized: whether its row must wait — the merchant table does not cover its day yet, or
    /// rows of its partition already wait (a partition's rows go out in order).
    /// </summary>
    public bool MustWait(int partition, Transaction transaction, bool modelNeedsTable)
    {
        if (!IsParked(partition) && (!modelNeedsTable || table.Covers(MerchantDays.Of(transaction.TransDateTransTime))))
        {
            return false;
        }
        Waits++;
        return true;
    }

    /// <summary>A row buffer for a transaction about to wait (returned to the pool when it is released).</summary>
    public float[] RentRow(int featureCount) => rows.TryPop(out var row) && row.Length == featureCount ? row : new float[featureCount];

    /// <summary>
    /// Holds a featurized row (all but its merchant features) back, behind any already held for its partition; pauses
    /// the partition's fetching once <see cref="MerchantOptions.MaxParkedPerPartition"/> wait.
    /// </summary>
    public void Park(IConsumer<byte[], byte[]>? consumer, ConsumeResult<byte[], byte[]> message, Transaction transaction, float[] row)
    {
        var partition = message.Partition.Value;
        if (!parked.TryGetValue(partition, out var queue))
        {
            parked[partition] = queue = new Queue<Parked>();
        }
        // The raw value is parsed and a held row is never dead-lettered: dropping it shrinks a held backlog by ~0.7 KB a row.
        message.Message.Value = null!;
        queue.Enqueue(new Parked(message, Compact(transaction), row));
        ParkedCount++;
        if (queue.Count >= options.MaxParkedPerPartition && consumer is not null && paused.Add(partition))
        {
            consumer.Pause([new TopicPartition(TopicOf(consumer), partition)]); // the consume results carry no topic (ConsumeResultFields)
        }
    }

    /// <summary>
    /// The held rows of each partition, oldest first, while <paramref name="take"/> accepts them (it copies the row) and
    /// fewer than <paramref name="budget"/> have gone; each call starts at the next partition, so none waits behind
    /// another's backlog. True when it stopped at the budget (there may be more to release now).
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
                Return(queue.Dequeue().Row);
                ParkedCount--;
                released++;
            }
            if (queue.Count == 0)
            {
                parked.Remove(partition);
                if (paused.Remove(partition) && consumer is not null)
                {
                    consumer.Resume([new TopicPartition(TopicOf(consumer), partition)]);
                    resumedAt[partition] = System.Diagnostics.Stopwatch.GetTimestamp();
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
                foreach (var held in queue)
                {
                    Return(held.Row);
                }
            }
            paused.Remove(partition);
            resumedAt.Remove(partition);
        }
    }

    /// <summary>
    /// Partitions caught up and quiet for <see cref="MerchantOptions.IdleAfterMs"/> stop holding the table back: with
    /// nothing open they say so; with a day open they close it once another partition has been past it for
    /// <see cref="MerchantOptions.IdleAfterMs"/> too. A newer day seen just now proves little about a quiet partition:
    /// its own rows of the older day may be a produce request or a fetch behind, and closing the day early would count
    /// them in the next one. A partition resumed after a pause is quiet only from its resume (its watermark is stale).
    /// </summary>
    public void DeclareIdle(IEnumerable<(PartitionState State, long Lag, long QuietMs)> partitions, long now)
    {
        var list = partitions.ToList();
        var newest = table.History.NewestOpenDay;
        foreach (var (state, _, _) in list)
        {
            if (state.Features.MerchantPartials is { OpenDay: var open } && open > newest) newest = open;
        }
        var settle = System.Diagnostics.Stopwatch.Frequency * options.IdleAfterMs / 1000;
        if (newest > lastSeenNewest)
        {
            lastSeenNewest = newest;
            newestSeen.Enqueue((newest, now));
        }
        while (newestSeen.TryPeek(out var seen) && now - seen.At >= settle)
        {
            settledNewest = seen.Day;
            newestSeen.Dequeue();
        }
        foreach (var (state, lag, quietMs) in list)
        {
            var resumedRecently = resumedAt.TryGetValue(state.Partition, out var resumed) && now - resumed < settle;
            if (lag == 0 && quietMs >= options.IdleAfterMs && !IsParked(state.Partition) && !resumedRecently)
            {
                state.Features.MerchantPartials?.DeclareIdle(settledNewest);
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

    /// <summary>
    /// The transaction with one shared copy of the strings that repeat on every transaction of a card or merchant: a
    /// held backlog then keeps its own copy of the transaction number only, and every held row survives the collections
    /// it waits through, each copying it.
    /// </summary>
    private Transaction Compact(Transaction t) => t with
    {
        Merchant = Shared(t.Merchant),
        Category = Shared(t.Category),
        First = Shared(t.First),
        Last = Shared(t.Last),
        Gender = Shared(t.Gender),
        Street = Shared(t.Street),
        City = Shared(t.City),
        State = Shared(t.State),
        Job = Shared(t.Job),
    };

    private string Shared(string? value) => value is null ? null! : repeatedStrings.GetOrAdd(value);

    private void Return(float[] row)
    {
        if (rows.Count < options.MaxParkedPerPartition)
        {
            rows.Push(row);
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

    /// <summary>A transaction held back: its message and its row, every feature but the merchant ones computed.</summary>
    public readonly record struct Parked(ConsumeResult<byte[], byte[]> Message, Transaction Transaction, float[] Row);
}
