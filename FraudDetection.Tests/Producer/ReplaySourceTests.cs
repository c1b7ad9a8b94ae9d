using FraudDetection.Core.Transactions;
using FraudDetection.Producer.Cli;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Producer;

public class ReplaySourceTests
{
    private static readonly string Slice = RepoPaths.KaggleSlice("fraudTest.head.csv");

    private static List<Transaction> Drain(ITransactionSource source, int max = int.MaxValue)
    {
        var list = new List<Transaction>();
        while (list.Count < max && source.TryNext(out var t, out var scenario))
        {
            scenario.Should().Be(ReplaySource.ScenarioLabel);
            list.Add(t);
        }
        return list;
    }

    private static FakeTimeProvider ClockAt(DateTime local)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(local, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.Utc);
        return time;
    }

    [Fact]
    public void Event_times_move_by_whole_weeks_into_the_week_before_now_with_dob_and_unix_time()
    {
        var original = TransactionCsv.ReadFile(Slice).ToList();
        var now = new DateTime(2026, 11, 25, 13, 0, 0);
        using var source = new ReplaySource(Slice, time: ClockAt(now));

        var replayed = Drain(source);

        replayed.Should().HaveCount(original.Count);
        var shift = source.Shift;
        (shift.Ticks % TimeSpan.FromDays(7).Ticks).Should().Be(0, "a whole number of weeks keeps hour and day of week");
        replayed[0].TransDateTransTime.Should().BeOnOrBefore(now).And.BeAfter(now.AddDays(-7));
        for (var i = 0; i < original.Count; i++)
        {
            replayed[i].TransDateTransTime.Should().Be(original[i].TransDateTransTime + shift);
            replayed[i].UnixTime.Should().Be(original[i].UnixTime + (long)shift.TotalSeconds);
            replayed[i].Dob.Should().Be(original[i].Dob.AddDays(shift.Days), "ages stay what they were");
            replayed[i].Should().Be(original[i] with { TransDateTransTime = replayed[i].TransDateTransTime, UnixTime = replayed[i].UnixTime, Dob = replayed[i].Dob });
        }
    }

    [Fact]
    public void Keep_time_replays_the_rows_as_they_are()
    {
        using var source = new ReplaySource(Slice, keepTime: true, time: ClockAt(new DateTime(2030, 1, 1)));

        source.Shift.Should().Be(TimeSpan.Zero);
        Drain(source).Should().Equal(TransactionCsv.ReadFile(Slice));
    }

    [Fact]
    public void Loop_starts_over_continuing_the_timeline_with_unique_trans_nums()
    {
        var rows = TransactionCsv.ReadFile(Slice).Count();
        using var source = new ReplaySource(Slice, loop: true, time: ClockAt(new DateTime(2026, 1, 1)));

        var replayed = Drain(source, rows * 2 + 10);

        replayed.Should().HaveCount(rows * 2 + 10);
        replayed.Select(t => t.TransNum).Should().OnlyHaveUniqueItems();
        replayed.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder();
        replayed[rows].TransNum.Should().Be(replayed[0].TransNum + "-1");
        replayed[rows].CcNum.Should().Be(replayed[0].CcNum);
        replayed[rows * 2].TransNum.Should().Be(replayed[0].TransNum + "-2");
        replayed.Should().OnlyContain(t => t.UnixTime == KaggleTime.UnixTime(t.TransDateTransTime));
        var passShift = replayed[rows].TransDateTransTime - replayed[0].TransDateTransTime;
        (passShift.Ticks % TimeSpan.FromDays(7).Ticks).Should().Be(0, "each pass moves on by whole weeks too");
        replayed[rows].Dob.Should().Be(replayed[0].Dob.AddDays(passShift.Days));
    }

    [Fact]
    public void A_looped_replay_resumes_in_the_pass_its_position_reached()
    {
        var rows = TransactionCsv.ReadFile(Slice).Count();
        var clock = ClockAt(new DateTime(2026, 1, 1));
        using var straight = new ReplaySource(Slice, loop: true, time: clock);
        var uninterrupted = Drain(straight, rows * 3);

        // A position past the end of the file: the run before had gone on into the next passes.
        using var resumed = new ReplaySource(Slice, loop: true, time: clock, startRow: rows * 2 + 3);

        resumed.StartRow.Should().Be(rows * 2 + 3);
        resumed.Description.Should().EndWith("(pass 3)");
        Drain(resumed, rows - 3).Should().Equal(uninterrupted[(rows * 2 + 3)..], "the rows, times and trans_nums an uninterrupted run sends from there");

        // A replay that does not loop starts over from the top instead (the file changed under a kept position).
        using var once = new ReplaySource(Slice, time: clock, startRow: rows + 3);
        once.StartRow.Should().Be(0);
        Drain(once, 1).Single().Should().Be(uninterrupted[0]);
    }

    [Fact]
    public void Bad_rows_are_skipped_counted_and_reported_without_stopping_the_replay()
    {
        var lines = File.ReadAllLines(Slice).Take(11).ToList();
        lines.Insert(4, "999,not-a-date,42,fraud_X,misc_net,1.0");
        lines.Insert(8, lines[2].Replace(",0\r", ",").Replace(lines[2].Split(',')[5], "NaNx"));
        var path = Path.Combine(Path.GetTempPath(), $"replay-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, string.Join("\n", lines));
        try
        {
            var errors = new List<CsvRowError>();
            using var source = new ReplaySource(path, keepTime: true, onError: errors.Add);

            Drain(source).Should().HaveCount(10);
            source.Skipped.Should().Be(2);
            errors.Select(e => e.LineNumber).Should().Equal(5, 9);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var act = () => new ReplaySource("/nonexistent/file.csv");

        act.Should().Throw<FileNotFoundException>().WithMessage("*/nonexistent/file.csv*");
    }

    [Fact]
    public async Task The_loop_sends_exactly_the_count_asked_and_stops_at_the_end_of_the_source()
    {
        var sink = new ListSink();
        using (var source = new ReplaySource(Slice, loop: true))
        {
            (await ProducerLoop.RunAsync(source, sink, null, 12_345, new RunCounters(), CancellationToken.None)).Should().Be(12_345);
        }
        sink.Sent.Should().HaveCount(12_345);

        var all = new ListSink();
        var counters = new RunCounters();
        using (var source = new PrefetchSource(new ReplaySource(Slice)))
        {
            (await ProducerLoop.RunAsync(source, all, null, null, counters, CancellationToken.None)).Should().Be(5116);
        }
        counters.Sent.Should().Be(5116);
        all.Sent.Select(t => t.TransNum).Should().Equal(TransactionCsv.ReadFile(Slice).Select(t => t.TransNum), "prefetching keeps file order");
    }

    [Theory]
    [InlineData("max", true, null)]
    [InlineData("MAX", true, null)]
    [InlineData("5", true, 5.0)]
    [InlineData("50000", true, 50_000.0)]
    [InlineData("0.5", true, 0.5)]
    [InlineData("0", false, null)]
    [InlineData("-3", false, null)]
    [InlineData("fast", false, null)]
    public void Rate_option_is_a_positive_number_or_max(string text, bool valid, double? expected)
    {
        ProducerCli.TryParseRate(text, out var rate).Should().Be(valid);
        rate.Should().Be(expected);
    }

    private sealed class ListSink : ITransactionSink
    {
        public List<Transaction> Sent { get; } = [];

        public long Acknowledged => Sent.Count;

        public long Failed => 0;

        public string? LastError => null;

        public void Send(Transaction transaction, string scenario, FraudDetection.Core.Transactions.Mapping.ColumnMapping? mapping = null) => Sent.Add(transaction);

        public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
