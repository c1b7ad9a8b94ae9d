using System.Text;

namespace FraudDetection.Core.Features.Merchant;

/// <summary>
/// The merchant stage's logic for one partition of <c>merchant.partials</c> (the merchants it owns): adds up the card
/// partitions' closed days and completes a day once every card partition is past it. Pure logic: the stage service
/// feeds it messages and publishes what <see cref="TakeCompleted"/> returns; offline tests drive it directly.
/// <para>
/// Exactly once from at-least-once input: a card partition's days are held (a repeat replaces them) until its
/// progress says they are closed, then added once; anything a partition sends again for a day it has closed is a
/// replay and is dropped. A day is complete when every card partition has closed it or is idle with nothing open.
/// </para>
/// </summary>
public sealed class MerchantDayMerger(int partition)
{
    private readonly Dictionary<int, Source> _sources = [];
    private readonly Dictionary<(ulong Merchant, int Day), MerchantDayTotals> _merged = [];
    private readonly List<MerchantDay> _completed = [];

    /// <summary>The stage partition this merger serves.</summary>
    public int Partition { get; } = partition;

    /// <summary>How many card partitions there are (from their messages; 0 before the first).</summary>
    public int SourceCount { get; private set; }

    /// <summary>Every day up to this one is complete and published (or waiting in <see cref="TakeCompleted"/>).</summary>
    public int CompleteThrough { get; private set; } = MerchantDays.None;

    /// <summary>The newest day any card partition has said it is in.</summary>
    public int NewestOpenDay { get; private set; } = MerchantDays.None;

    /// <summary>Partial days that came after their day was complete (counted into the next incomplete day).</summary>
    public long LateDays { get; private set; }

    /// <summary>Repeats of days already added (replays after a restart upstream), dropped.</summary>
    public long DuplicateDays { get; private set; }

    /// <summary>Whether <see cref="TakeCompleted"/> has something (days, or progress) to publish.</summary>
    public bool HasNews { get; private set; }

    /// <summary>Folds in one <see cref="MerchantMessageKind.Partials"/> message from a card partition.</summary>
    public void Apply(MerchantMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind != MerchantMessageKind.Partials) throw new ArgumentException("The merchant stage reads partials messages.", nameof(message));
        SourceCount = Math.Max(SourceCount, message.PartitionCount);
        if (!_sources.TryGetValue(message.Partition, out var source))
        {
            source = new Source();
            _sources.Add(message.Partition, source);
        }
        foreach (var day in message.Days)
        {
            if (day.Day <= source.ClosedThrough)
            {
                DuplicateDays++;
                continue;
            }
            source.Pending[(day.Merchant, day.Day)] = day.Totals;
        }
        if (!message.Final) return;

        if (message.Through >= source.ClosedThrough)
        {
            source.Heard = true;
            source.ClosedThrough = message.Through;
            source.OpenDay = message.OpenDay;
            if (message.OpenDay > NewestOpenDay) NewestOpenDay = message.OpenDay;
        }
        foreach (var ((merchant, day), totals) in source.Pending)
        {
            if (day > source.ClosedThrough) continue;
            var into = day <= CompleteThrough ? CompleteThrough + 1 : day;
            if (into != day) LateDays++;
            source.Pending.Remove((merchant, day));
            ref var merged = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_merged, (merchant, into), out _);
            merged.Add(totals);
        }
        Advance();
    }

    /// <summary>The days completed since the last call (ascending by day) and the progress to publish with them.</summary>
    public IReadOnlyList<MerchantDay> TakeCompleted()
    {
        var result = _completed.OrderBy(d => d.Day).ThenBy(d => d.Merchant).ToList();
        _completed.Clear();
        HasNews = false;
        return result;
    }

    /// <summary>The completed days and progress as <see cref="MerchantMessageKind.Table"/> messages of this partition (of <paramref name="stagePartitions"/>).</summary>
    public List<MerchantMessage> TakeMessages(int stagePartitions) =>
        [.. MerchantMessage.Chunk(MerchantMessageKind.Table, Partition, stagePartitions, CompleteThrough, NewestOpenDay, TakeCompleted())];

    private void Advance()
    {
        if (SourceCount == 0 || _sources.Count < SourceCount) return;
        var bound = int.MaxValue;
        var newestClosed = MerchantDays.None;
        for (var p = 0; p < SourceCount; p++)
        {
            if (!_sources.TryGetValue(p, out var source) || !source.Heard) return;
            if (source.ClosedThrough > newestClosed) newestClosed = source.ClosedThrough;
            // An idle partition with nothing open holds back no day.
            if (source.OpenDay != MerchantDays.None) bound = Math.Min(bound, source.ClosedThrough);
        }
        var complete = bound == int.MaxValue ? newestClosed : bound;
        if (complete <= CompleteThrough) return;
        foreach (var ((merchant, day), totals) in _merged)
        {
            if (day > complete) continue;
            _completed.Add(new MerchantDay(merchant, day, totals));
            _merged.Remove((merchant, day));
        }
        CompleteThrough = complete;
        HasNews = true;
    }

    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Partition);
        writer.Write(SourceCount);
        writer.Write(CompleteThrough);
        writer.Write(NewestOpenDay);
        writer.Write(LateDays);
        writer.Write(DuplicateDays);
        writer.Write(HasNews);
        writer.Write(_sources.Count);
        foreach (var (partition, source) in _sources)
        {
            writer.Write(partition);
            writer.Write(source.Heard);
            writer.Write(source.ClosedThrough);
            writer.Write(source.OpenDay);
            writer.Write(source.Pending.Count);
            foreach (var ((merchant, day), totals) in source.Pending) MerchantCodec.Write(writer, new MerchantDay(merchant, day, totals));
        }
        WriteDays(writer, _merged.Select(kv => new MerchantDay(kv.Key.Merchant, kv.Key.Day, kv.Value)).ToList());
        WriteDays(writer, _completed);
    }

    public static MerchantDayMerger Load(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var merger = new MerchantDayMerger(reader.ReadInt32())
            {
                SourceCount = reader.ReadInt32(),
                CompleteThrough = reader.ReadInt32(),
                NewestOpenDay = reader.ReadInt32(),
                LateDays = reader.ReadInt64(),
                DuplicateDays = reader.ReadInt64(),
                HasNews = reader.ReadBoolean(),
            };
            var sources = MerchantCodec.Count(reader);
            for (var i = 0; i < sources; i++)
            {
                var source = new Source { Heard = false };
                var partition = reader.ReadInt32();
                source.Heard = reader.ReadBoolean();
                source.ClosedThrough = reader.ReadInt32();
                source.OpenDay = reader.ReadInt32();
                var pending = MerchantCodec.Count(reader);
                for (var j = 0; j < pending; j++)
                {
                    var day = MerchantCodec.ReadDay(reader);
                    source.Pending[(day.Merchant, day.Day)] = day.Totals;
                }
                merger._sources.Add(partition, source);
            }
            foreach (var day in ReadDays(reader)) merger._merged[(day.Merchant, day.Day)] = day.Totals;
            merger._completed.AddRange(ReadDays(reader));
            return merger;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The merchant stage checkpoint is truncated.", e);
        }
    }

    private static void WriteDays(BinaryWriter writer, IReadOnlyCollection<MerchantDay> days)
    {
        writer.Write(days.Count);
        foreach (var day in days) MerchantCodec.Write(writer, day);
    }

    private static List<MerchantDay> ReadDays(BinaryReader reader)
    {
        var count = MerchantCodec.Count(reader);
        var days = new List<MerchantDay>(count);
        for (var i = 0; i < count; i++) days.Add(MerchantCodec.ReadDay(reader));
        return days;
    }

    private sealed class Source
    {
        public bool Heard;
        public int ClosedThrough = MerchantDays.None;
        public int OpenDay = MerchantDays.None;
        public readonly Dictionary<(ulong Merchant, int Day), MerchantDayTotals> Pending = [];
    }
}
