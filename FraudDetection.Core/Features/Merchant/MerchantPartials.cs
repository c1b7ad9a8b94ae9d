using System.Runtime.InteropServices;

namespace FraudDetection.Core.Features.Merchant;

/// <summary>
/// One card partition's share of the merchant features: per merchant and day, the totals of this partition's cards
/// (<see cref="MerchantDayTotals"/>). A day is closed when a later day's transaction arrives (or, once the partition
/// is idle, when another partition has moved past it); its totals then wait in <see cref="TakeClosed"/> for the stage
/// that adds up all partitions. Offline, the one state over the whole file is the only partition.
/// <para>
/// Deterministic given the partition's transactions in order: a replay after a restart closes the same days with the
/// same totals, so the stage can drop what it has already seen. A transaction older than a closed day (out of order
/// across cards, or after an idle close) counts in the open day and in <see cref="LateTransactions"/>.
/// </para>
/// </summary>
public sealed class MerchantPartials
{
    private readonly int _memoryDays;
    private readonly Dictionary<ulong, MerchantDayTotals> _open = [];
    private readonly Dictionary<VisitKey, CardVisit> _visits = [];
    private readonly List<MerchantDay> _closed = [];
    private int _lastPrune = MerchantDays.None;

    /// <param name="memoryDays">How long a card is remembered at a merchant: after that many idle days it is new there again.</param>
    public MerchantPartials(int memoryDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryDays, 1);
        _memoryDays = memoryDays;
    }

    /// <summary>Every day up to this one is closed (its totals emitted or waiting in <see cref="TakeClosed"/>).</summary>
    public int ClosedThrough { get; private set; } = MerchantDays.None;

    /// <summary>The day transactions are being added to, or <see cref="MerchantDays.None"/>.</summary>
    public int OpenDay { get; private set; } = MerchantDays.None;

    /// <summary>Declared idle (no open day); cleared by the next transaction.</summary>
    public bool Idle { get; private set; }

    /// <summary>Closed days or a change of <see cref="ClosedThrough"/>/<see cref="OpenDay"/> not yet taken.</summary>
    public bool HasNews { get; private set; }

    /// <summary>Transactions older than a day already closed (counted in the open day).</summary>
    public long LateTransactions { get; private set; }

    /// <summary>(card, merchant) pairs remembered.</summary>
    public int RememberedVisits => _visits.Count;

    /// <summary>
    /// A transaction of <paramref name="day"/> is next: closes the open day if it is earlier and opens the new one, so
    /// the progress this partition reports says it is past every earlier day. Called before the transaction's features
    /// (Scoring: before it waits for the merchant table, whose completion needs this very report).
    /// </summary>
    public void Advance(int day)
    {
        if (ClosedThrough != MerchantDays.None && day <= ClosedThrough) day = ClosedThrough + 1; // late: counts in the open day
        if (OpenDay != MerchantDays.None && day > OpenDay) Close();
        if (OpenDay == MerchantDays.None) Open(day);
    }

    /// <summary>
    /// Adds a transaction of <paramref name="card"/> at <paramref name="merchant"/> on <paramref name="day"/>, at
    /// <paramref name="secondOfDay"/> of it.
    /// </summary>
    public void Add(long card, ulong merchant, int day, int secondOfDay, bool fraud, double amount, bool ordinaryAmount = false)
    {
        Advance(day);
        var late = day < OpenDay;
        if (late)
        {
            day = OpenDay;
            LateTransactions++;
        }
        ref var totals = ref CollectionsMarshal.GetValueRefOrAddDefault(_open, merchant, out _);
        if (!late) totals.NoteTime(secondOfDay, fraud, ordinaryAmount); // a late one's time of day belongs to another day
        totals.Transactions++;
        totals.AmountCents += MerchantDayTotals.CentsOf(amount);
        if (fraud) totals.Frauds++;
        if (fraud && ordinaryAmount) totals.OrdinaryFrauds++;
        ref var visit = ref CollectionsMarshal.GetValueRefOrAddDefault(_visits, new VisitKey(card, merchant), out var known);
        if (!known || visit.Last < day - _memoryDays)
        {
            visit = new CardVisit { First = day, Last = day };
            totals.Cards++;
            totals.NewCardTransactions++;
            return;
        }
        if (visit.Last < day)
        {
            visit.Last = day;
            totals.Cards++;
        }
        if (visit.First == day) totals.NewCardTransactions++;
    }

    /// <summary>
    /// The partition has had nothing to read for a while. With no open day it says so once (it then holds back no day);
    /// with an open day it closes it once another partition is past it (<paramref name="newestOpenDay"/>: the newest
    /// day any partition is in), since in time-ordered input nothing older can come. True when there is news to send.
    /// </summary>
    public bool DeclareIdle(int newestOpenDay)
    {
        if (OpenDay != MerchantDays.None)
        {
            if (newestOpenDay <= OpenDay) return false;
            Close();
        }
        if (Idle) return false;
        Idle = true;
        HasNews = true;
        return true;
    }

    /// <summary>
    /// Sends this partition's progress again with its next news (its earlier messages were lost with the log they
    /// went to, e.g. a restarted in-memory broker): the stage takes a repeat of progress it has as a no-op.
    /// </summary>
    public void Reannounce() => HasNews = true;

    /// <summary>The open day's totals so far for <paramref name="merchant"/> (a read-only look ahead offline).</summary>
    internal MerchantDay? OpenTotals(ulong merchant) =>
        OpenDay != MerchantDays.None && _open.TryGetValue(merchant, out var totals) ? new MerchantDay(merchant, OpenDay, totals) : null;

    /// <summary>Moves the closed days into <paramref name="into"/> and clears <see cref="HasNews"/>.</summary>
    public void TakeClosed(List<MerchantDay> into)
    {
        into.AddRange(_closed);
        _closed.Clear();
        HasNews = false;
    }

    /// <summary>
    /// The news as messages for the merchant stage: for each of <paramref name="stagePartitions"/> partitions, the closed
    /// days of the merchants it owns, the last message carrying this card partition's progress (every stage partition
    /// needs it, days or not). Clears <see cref="HasNews"/>.
    /// </summary>
    public List<(int StagePartition, MerchantMessage Message)> TakeMessages(int partition, int partitionCount, int stagePartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stagePartitions, 1);
        var days = new List<MerchantDay>();
        TakeClosed(days);
        var byStage = new List<MerchantDay>[stagePartitions];
        for (var s = 0; s < stagePartitions; s++) byStage[s] = [];
        foreach (var day in days) byStage[MerchantMessage.StagePartitionOf(day.Merchant, stagePartitions)].Add(day);
        var messages = new List<(int, MerchantMessage)>();
        for (var s = 0; s < stagePartitions; s++)
        {
            foreach (var message in MerchantMessage.Chunk(MerchantMessageKind.Partials, partition, partitionCount, ClosedThrough, OpenDay, byStage[s]))
            {
                messages.Add((s, message));
            }
        }
        return messages;
    }

    private void Open(int day)
    {
        OpenDay = day;
        Idle = false;
        if (ClosedThrough < day - 1) ClosedThrough = day - 1;
        HasNews = true;
    }

    private void Close()
    {
        foreach (var (merchant, totals) in _open) _closed.Add(new MerchantDay(merchant, OpenDay, totals));
        _open.Clear();
        ClosedThrough = OpenDay;
        OpenDay = MerchantDays.None;
        HasNews = true;
        if (_lastPrune == MerchantDays.None || ClosedThrough - _lastPrune >= 7) Prune();
    }

    /// <summary>Forgets visits older than the memory: they would count as new anyway, so pruning never changes a value.</summary>
    private void Prune()
    {
        _lastPrune = ClosedThrough;
        var horizon = ClosedThrough - _memoryDays;
        foreach (var (key, visit) in _visits)
        {
            if (visit.Last < horizon) _visits.Remove(key);
        }
    }

    internal void Save(BinaryWriter writer)
    {
        writer.Write(_memoryDays);
        writer.Write(ClosedThrough);
        writer.Write(OpenDay);
        writer.Write(Idle);
        writer.Write(HasNews);
        writer.Write(LateTransactions);
        writer.Write(_lastPrune);
        writer.Write(_open.Count);
        foreach (var (merchant, totals) in _open)
        {
            writer.Write(merchant);
            MerchantCodec.Write(writer, totals);
        }
        writer.Write(_visits.Count);
        foreach (var (key, visit) in _visits)
        {
            writer.Write(key.Card);
            writer.Write(key.Merchant);
            writer.Write(visit.First);
            writer.Write(visit.Last);
        }
        writer.Write(_closed.Count);
        foreach (var day in _closed) MerchantCodec.Write(writer, day);
    }

    internal static MerchantPartials Load(BinaryReader reader, int memoryDays)
    {
        var saved = reader.ReadInt32();
        if (saved != memoryDays) throw new InvalidDataException($"The checkpoint remembers cards at a merchant for {saved} days; the options say {memoryDays}.");
        var partials = new MerchantPartials(memoryDays)
        {
            ClosedThrough = reader.ReadInt32(),
            OpenDay = reader.ReadInt32(),
            Idle = reader.ReadBoolean(),
            HasNews = reader.ReadBoolean(),
            LateTransactions = reader.ReadInt64(),
        };
        partials._lastPrune = reader.ReadInt32();
        var open = MerchantCodec.Count(reader);
        for (var i = 0; i < open; i++) partials._open[reader.ReadUInt64()] = MerchantCodec.ReadTotals(reader);
        var visits = MerchantCodec.Count(reader);
        partials._visits.EnsureCapacity(visits);
        for (var i = 0; i < visits; i++)
        {
            var key = new VisitKey(reader.ReadInt64(), reader.ReadUInt64());
            partials._visits[key] = new CardVisit { First = reader.ReadInt32(), Last = reader.ReadInt32() };
        }
        var closed = MerchantCodec.Count(reader);
        for (var i = 0; i < closed; i++) partials._closed.Add(MerchantCodec.ReadDay(reader));
        return partials;
    }

    /// <summary>A (card, merchant) pair, hashed cheaply (the default tuple hash costs more on this hot path).</summary>
    private readonly record struct VisitKey(long Card, ulong Merchant)
    {
        public bool Equals(VisitKey other) => Card == other.Card && Merchant == other.Merchant;

        public override int GetHashCode()
        {
            var mixed = ((ulong)Card * 0x9E3779B97F4A7C15UL) ^ Merchant;
            return (int)(mixed ^ (mixed >> 32));
        }
    }

    private struct CardVisit
    {
        public int First;
        public int Last;
    }
}
