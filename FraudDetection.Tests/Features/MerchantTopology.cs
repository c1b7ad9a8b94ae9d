using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Tests.Features;

/// <summary>
/// Scoring's layout in one process, without Kafka: card partitions (key = cc_num), each with its own replica of the
/// merchant table (as if each were its own Scoring instance), merchant-stage partitions adding the partials up, and
/// a seeded scheduler that interleaves the partitions at random — as in Scoring, a partition folds every transaction in
/// as it arrives and holds its row back until its replica covers the day the row's merchant features need, and a
/// partition with nothing left to read declares itself idle.
/// </summary>
internal sealed class MerchantTopology
{
    private readonly FeatureOptions _options;
    private readonly Partition[] _partitions;
    private readonly MerchantDayMerger[] _stage;
    private readonly Random _random;
    private long _delivered;

    public MerchantTopology(FeatureOptions? options, int cardPartitions, int stagePartitions, int seed)
    {
        _options = options ?? FeatureOptions.Default;
        _random = new Random(seed);
        _stage = [.. Enumerable.Range(0, stagePartitions).Select(s => new MerchantDayMerger(s))];
        _partitions = [.. Enumerable.Range(0, cardPartitions).Select(p =>
        {
            var table = new MerchantHistory(_options);
            return new Partition(p, new OnlineFeatureState(_options, merchantTable: table), table);
        })];
    }

    /// <summary>Transactions whose row waited for the merchant table.</summary>
    public int Waits { get; private set; }

    /// <summary>Stage messages delivered twice (at-least-once delivery upstream).</summary>
    public int Redelivered { get; private set; }

    /// <summary>Deliver some partials messages twice, as a producer retry or a replay after a restart would.</summary>
    public bool DuplicateSomeMessages { get; init; }

    public IReadOnlyList<OnlineFeatureState> States => [.. _partitions.Select(p => p.State)];

    /// <summary>Features of every transaction by trans_num, each card's transactions in <paramref name="ordered"/>'s order.</summary>
    public Dictionary<string, float[]> Run(IReadOnlyList<Transaction> ordered)
    {
        foreach (var tx in ordered) _partitions[(int)((ulong)tx.CcNum % (ulong)_partitions.Length)].Queue.Enqueue(tx);
        var rows = new Dictionary<string, float[]>();
        while (_partitions.Any(p => p.Queue.Count > 0 || p.Held.Count > 0))
        {
            var delivered = _delivered;
            var progressed = false;
            foreach (var partition in _partitions.OrderBy(_ => _random.Next()))
            {
                // Held rows get their merchant features once the replica covers their day, oldest first.
                while (partition.Held.Count > 0 && Covers(partition, partition.Held.Peek().Transaction))
                {
                    var (held, row) = partition.Held.Dequeue();
                    partition.State.ComputeMerchant(held, row);
                    rows[held.TransNum] = row;
                    progressed = true;
                }
                // A random burst from this partition, as a consumer's batch would be. Every transaction is folded in on
                // arrival; one the replica does not cover yet (or behind one that waits) keeps its row until it does.
                for (var burst = _random.Next(1, 40); burst > 0 && partition.Queue.Count > 0; burst--)
                {
                    var tx = partition.Queue.Dequeue();
                    var row = new float[FeatureSchema.Current.Count];
                    if (partition.Held.Count > 0 || !Covers(partition, tx))
                    {
                        Waits++;
                        partition.State.ComputeAllButMerchantAndUpdate(tx, row);
                        partition.Held.Enqueue((tx, row));
                    }
                    else
                    {
                        partition.State.ComputeAndUpdate(tx, row);
                        rows[tx.TransNum] = row;
                    }
                    Flush(partition);
                    progressed = true;
                }
            }
            if (progressed || _delivered != delivered) continue;
            // Everyone is waiting: partitions with nothing left to read are idle (caught up).
            foreach (var partition in _partitions.Where(p => p.Queue.Count == 0 && p.Held.Count == 0))
            {
                var newest = _partitions.Max(p => Math.Max(p.Table.NewestOpenDay, p.State.MerchantPartials!.OpenDay));
                if (partition.State.MerchantPartials!.DeclareIdle(newest)) progressed = true;
                Flush(partition);
            }
            if (!progressed)
            {
                throw new InvalidOperationException("The merchant topology is stuck: every partition waits for the table. " + string.Join("; ", _partitions.Select(p =>
                    $"p{p.Number}: queue {p.Queue.Count} held {p.Held.Count} closed {p.State.MerchantPartials!.ClosedThrough} open {p.State.MerchantPartials.OpenDay} table {p.Table.CompleteThrough}"))
                    + " | " + string.Join("; ", _stage.Select(m => $"s{m.Partition}: complete {m.CompleteThrough} sources {m.SourceCount}")));
            }
        }
        return rows;
    }

    private bool Covers(Partition partition, Transaction tx) => partition.Table.Covers(MerchantDays.Of(tx.TransDateTransTime), _options.MerchantDayLag);

    private void Flush(Partition partition)
    {
        var partials = partition.State.MerchantPartials!;
        if (!partials.HasNews) return;
        foreach (var (s, message) in partials.TakeMessages(partition.Number, _partitions.Length, _stage.Length))
        {
            Deliver(s, message);
            if (DuplicateSomeMessages && _random.Next(3) == 0)
            {
                Deliver(s, MerchantMessage.Decode(message.Encode()));
                Redelivered++;
            }
        }
    }

    private void Deliver(int stagePartition, MerchantMessage message)
    {
        _delivered++;
        var merger = _stage[stagePartition];
        merger.Apply(message);
        if (!merger.HasNews) return;
        foreach (var table in merger.TakeMessages(_stage.Length))
        {
            var bytes = table.Encode(); // through the wire format, as the topic carries it
            foreach (var replica in _partitions) replica.Table.Apply(MerchantMessage.Decode(bytes));
        }
    }

    private sealed record Partition(int Number, OnlineFeatureState State, MerchantHistory Table)
    {
        public Queue<Transaction> Queue { get; } = new();

        /// <summary>Rows featurized but for their merchant features, waiting for the replica to cover their day.</summary>
        public Queue<(Transaction Transaction, float[] Row)> Held { get; } = new();
    }
}
