using System.Text;

namespace FraudDetection.Core.Features.Merchant;

/// <summary>
/// The merchant table: every merchant's daily totals over all cards for the recent days, and how far they are
/// complete. Merchant features of a transaction on day D read only days complete before D (see
/// <see cref="MerchantFeatures"/>), which are immutable facts: so a reader behind or ahead of the writers computes the
/// same values. Offline it is filled by the one state's own partials; in Scoring by the <c>merchant.features</c>
/// topic (a replica per Scoring instance). Not thread-safe: one thread writes and reads.
/// </summary>
public sealed class MerchantHistory
{
    private readonly Dictionary<ulong, MerchantRecord> _merchants = [];
    private readonly Dictionary<int, int> _stageThrough = [];   // Scoring: each stage partition's complete days
    private int _stageCount;
    private int _lastPrune = MerchantDays.None;

    /// <param name="retainDays">Days kept behind <see cref="CompleteThrough"/>; older ones are dropped.</param>
    public MerchantHistory(int retainDays)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retainDays, MerchantFeatures.LongestWindowDays);
        RetainDays = retainDays;
    }

    /// <summary>A history that keeps what <paramref name="options"/>' merchant features read, plus a month of slack.</summary>
    public MerchantHistory(FeatureOptions options)
        : this(MerchantFeatures.LongestWindowDays + new FraudLabels(options.LabelDelay).DelayDays + options.MerchantDayLag + 31)
    {
    }

    public int RetainDays { get; }

    /// <summary>Every day up to this one is complete (all card partitions' totals are in).</summary>
    public int CompleteThrough { get; private set; } = MerchantDays.None;

    /// <summary>The newest day any card partition is in (Scoring: as the stage last reported it).</summary>
    public int NewestOpenDay { get; private set; } = MerchantDays.None;

    public int Merchants => _merchants.Count;

    /// <summary>Whether the merchant features of a transaction on <paramref name="day"/> can be computed now.</summary>
    public bool Covers(int day, int lag) => CompleteThrough != MerchantDays.None && CompleteThrough >= day - lag;

    /// <summary>Sets a merchant's totals for a day (idempotent: the same day again replaces it).</summary>
    public void Set(in MerchantDay day)
    {
        if (!_merchants.TryGetValue(day.Merchant, out var record))
        {
            record = new MerchantRecord();
            _merchants.Add(day.Merchant, record);
        }
        record.Set(day.Day, day.Totals);
    }

    /// <summary>
    /// Applies a <see cref="MerchantMessageKind.Table"/> message from the merchant stage: its days, and on the last
    /// message of a batch its partition's progress. The table is complete through a day once every stage partition is.
    /// Idempotent: a message read again changes nothing.
    /// </summary>
    public void Apply(MerchantMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind != MerchantMessageKind.Table) throw new ArgumentException("The merchant table reads table messages.", nameof(message));
        foreach (var day in message.Days) Set(day);
        if (!message.Final) return;
        _stageCount = Math.Max(_stageCount, message.PartitionCount);
        if (!_stageThrough.TryGetValue(message.Partition, out var through) || message.Through > through) _stageThrough[message.Partition] = message.Through;
        var complete = int.MaxValue;
        for (var s = 0; s < _stageCount; s++)
        {
            if (!_stageThrough.TryGetValue(s, out through)) return;
            complete = Math.Min(complete, through);
        }
        Complete(complete, message.OpenDay);
    }

    /// <summary>Every day up to <paramref name="day"/> is complete (never moves back); drops days past the retention.</summary>
    public void Complete(int day, int newestOpenDay = MerchantDays.None)
    {
        if (newestOpenDay > NewestOpenDay) NewestOpenDay = newestOpenDay;
        if (day == MerchantDays.None || day <= CompleteThrough) return;
        CompleteThrough = day;
        if (_lastPrune == MerchantDays.None || day - _lastPrune >= 8)
        {
            _lastPrune = day;
            var horizon = day - RetainDays;
            foreach (var (merchant, record) in _merchants)
            {
                if (record.DropBefore(horizon) == 0) _merchants.Remove(merchant);
            }
        }
    }

    internal MerchantRecord? Find(ulong merchant) => _merchants.GetValueOrDefault(merchant);

    /// <summary>A merchant's stored day, or null (for tests and tools).</summary>
    public MerchantDayTotals? Get(ulong merchant, int day)
    {
        if (!_merchants.TryGetValue(merchant, out var record)) return null;
        var i = record.IndexOf(day);
        return i >= 0 ? record.Totals[i] : null;
    }

    /// <summary>Replaces this table's contents with <paramref name="other"/>'s (states that read this table keep reading it).</summary>
    public void CopyFrom(MerchantHistory other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.RetainDays != RetainDays) throw new ArgumentException($"Retention {other.RetainDays} days differs from {RetainDays}.", nameof(other));
        _merchants.Clear();
        foreach (var (merchant, record) in other._merchants) _merchants[merchant] = record;
        _stageThrough.Clear();
        foreach (var (partition, through) in other._stageThrough) _stageThrough[partition] = through;
        _stageCount = other._stageCount;
        _lastPrune = other._lastPrune;
        CompleteThrough = other.CompleteThrough;
        NewestOpenDay = other.NewestOpenDay;
    }

    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        Save(writer);
    }

    public static MerchantHistory Load(Stream stream, int retainDays)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            return Load(reader, retainDays);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The merchant table checkpoint is truncated.", e);
        }
    }

    internal void Save(BinaryWriter writer)
    {
        writer.Write(RetainDays);
        writer.Write(CompleteThrough);
        writer.Write(NewestOpenDay);
        writer.Write(_lastPrune);
        writer.Write(_stageCount);
        writer.Write(_stageThrough.Count);
        foreach (var (partition, through) in _stageThrough)
        {
            writer.Write(partition);
            writer.Write(through);
        }
        writer.Write(_merchants.Count);
        foreach (var (merchant, record) in _merchants)
        {
            writer.Write(merchant);
            writer.Write(record.Count);
            for (var i = 0; i < record.Count; i++)
            {
                writer.Write(record.Days[i]);
                MerchantCodec.Write(writer, record.Totals[i]);
            }
        }
    }

    internal static MerchantHistory Load(BinaryReader reader, int retainDays)
    {
        var saved = reader.ReadInt32();
        if (saved != retainDays) throw new InvalidDataException($"The merchant table checkpoint keeps {saved} days; the options say {retainDays}.");
        var history = new MerchantHistory(retainDays)
        {
            CompleteThrough = reader.ReadInt32(),
            NewestOpenDay = reader.ReadInt32(),
        };
        history._lastPrune = reader.ReadInt32();
        history._stageCount = reader.ReadInt32();
        var stages = MerchantCodec.Count(reader);
        for (var i = 0; i < stages; i++) history._stageThrough[reader.ReadInt32()] = reader.ReadInt32();
        var merchants = MerchantCodec.Count(reader);
        for (var m = 0; m < merchants; m++)
        {
            var merchant = reader.ReadUInt64();
            var record = new MerchantRecord();
            var days = MerchantCodec.Count(reader);
            for (var i = 0; i < days; i++) record.Set(reader.ReadInt32(), MerchantCodec.ReadTotals(reader));
            if (!history._merchants.TryAdd(merchant, record)) throw new InvalidDataException("A merchant appears twice in the merchant table checkpoint.");
        }
        return history;
    }
}

/// <summary>One merchant's days, ascending, and the features last computed from them (valid until a day is set).</summary>
internal sealed class MerchantRecord
{
    public int[] Days = new int[8];
    public MerchantDayTotals[] Totals = new MerchantDayTotals[8];
    public int Count;
    public int CachedFor = MerchantDays.None;
    public readonly float[] Cached = new float[MerchantFeatures.Columns.Count];

    public int IndexOf(int day) => Array.BinarySearch(Days, 0, Count, day);

    public void Set(int day, in MerchantDayTotals totals)
    {
        CachedFor = MerchantDays.None;
        var at = Count > 0 && Days[Count - 1] < day ? ~Count : IndexOf(day);
        if (at >= 0)
        {
            Totals[at] = totals;
            return;
        }
        at = ~at;
        if (Count == Days.Length)
        {
            Array.Resize(ref Days, Count * 2);
            Array.Resize(ref Totals, Count * 2);
        }
        Array.Copy(Days, at, Days, at + 1, Count - at);
        Array.Copy(Totals, at, Totals, at + 1, Count - at);
        Days[at] = day;
        Totals[at] = totals;
        Count++;
    }

    /// <summary>Drops days before <paramref name="day"/>; returns how many remain.</summary>
    public int DropBefore(int day)
    {
        var keep = 0;
        while (keep < Count && Days[keep] < day) keep++;
        if (keep > 0)
        {
            Array.Copy(Days, keep, Days, 0, Count - keep);
            Array.Copy(Totals, keep, Totals, 0, Count - keep);
            Count -= keep;
            CachedFor = MerchantDays.None;
        }
        return Count;
    }
}
