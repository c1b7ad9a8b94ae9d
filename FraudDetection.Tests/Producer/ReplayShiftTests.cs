using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Producer.Sources;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Producer;

/// <summary>A replay moved in event time keeps every feature: the feature pipeline (Core) on the original rows and on the replayed ones.</summary>
public sealed class ReplayShiftTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("replay-shift-");
    private readonly List<Transaction> _history = BundledData.SampleTail(TimeSpan.FromDays(10));
    private readonly List<Transaction> _replay = BundledData.ReplayHead(4_000);

    [Fact]
    public void Features_of_a_shifted_replay_with_its_history_equal_those_of_the_original_rows_for_every_feature()
    {
        // Not on a week boundary, years after the data: hour, weekday and age would all change under a plain shift.
        var now = new DateTime(2031, 2, 13, 15, 47, 12);
        var (history, replay, shift) = Replay(now);

        shift.Should().BeGreaterThan(TimeSpan.FromDays(365 * 10));
        replay[0].TransDateTransTime.Should().BeOnOrBefore(now).And.BeAfter(now.AddDays(-7));
        history.Should().OnlyContain(t => t.TransDateTransTime < replay[0].TransDateTransTime, "history moves with the replay");
        MismatchedFeatures(history, replay).Should().BeEmpty("a replay in whole weeks with dob moved alike reads the same features");
    }

    [Fact]
    public void The_comparison_names_the_features_a_shift_that_is_not_whole_weeks_would_change()
    {
        // The check above can fail: the same rows moved by whole weeks plus 5 hours and 1 day differ, by name.
        var (history, replay, _) = Replay(new DateTime(2031, 2, 13, 15, 47, 12));
        var off = TimeSpan.FromHours(29);
        static Transaction Move(Transaction t, TimeSpan by) => t with { TransDateTransTime = t.TransDateTransTime + by };

        var mismatched = MismatchedFeatures([.. history.Select(t => Move(t, off))], [.. replay.Select(t => Move(t, off))]);

        mismatched.Should().Contain(["hour", "day_of_week"]).And.NotContain(["amt", "secs_since_prev_tx", "cnt_24h"]);
    }

    [Fact]
    public void Keep_time_sends_the_history_and_the_replay_unmoved()
    {
        var (historyFile, replayFile) = Files();
        using var replay = new ReplaySource(replayFile, keepTime: true);
        using var history = new HistorySource([historyFile], replay.Shift);

        Drain(history, HistorySource.ScenarioLabel).Should().Equal(_history);
        Drain(replay, ReplaySource.ScenarioLabel).Should().Equal(_replay);
    }

    [Fact]
    public void History_out_of_event_time_order_is_refused_with_the_row()
    {
        var path = BundledData.Write(_folder.FullName, "unsorted.csv", [_history[1], _history[0], .. _history.Skip(2).Take(10)]);
        using var history = new HistorySource([path], TimeSpan.Zero);

        var act = () => Drain(history, HistorySource.ScenarioLabel);

        act.Should().Throw<InvalidDataException>().WithMessage("*not in event-time order: row 2*sort it*");
    }

    [Fact]
    public void A_missing_history_file_is_a_clear_error()
    {
        var act = () => new HistorySource(["/nonexistent/history.csv"], TimeSpan.Zero);

        act.Should().Throw<FileNotFoundException>().WithMessage("*/nonexistent/history.csv*");
    }

    private (List<Transaction> History, List<Transaction> Replay, TimeSpan Shift) Replay(DateTime now)
    {
        var (historyFile, replayFile) = Files();
        var clock = new FakeTimeProvider(new DateTimeOffset(now, TimeSpan.Zero));
        clock.SetLocalTimeZone(TimeZoneInfo.Utc);
        using var replay = new ReplaySource(replayFile, time: clock);
        using var history = new HistorySource([historyFile], replay.Shift);
        return (Drain(history, HistorySource.ScenarioLabel), Drain(replay, ReplaySource.ScenarioLabel), replay.Shift);
    }

    private (string History, string Replay) Files() =>
        (BundledData.Write(_folder.FullName, "history.csv", _history), BundledData.Write(_folder.FullName, "replay.csv", _replay));

    /// <summary>Names of the features whose value differs between the original rows and <paramref name="replay"/> (each primed by its history).</summary>
    private List<string> MismatchedFeatures(List<Transaction> history, List<Transaction> replay)
    {
        var expected = FeatureMatrix.Build(_history, _replay, new OnlineFeatureState());
        var actual = FeatureMatrix.Build(history, replay, new OnlineFeatureState());
        actual.Rows.Should().Be(expected.Rows);
        var names = FeatureSchema.Current.Names;
        var mismatched = new SortedSet<string>(StringComparer.Ordinal);
        for (var row = 0; row < expected.Rows; row++)
        {
            actual.TransactionIds[row].Should().Be(expected.TransactionIds[row]);
            var want = expected.Row(row);
            var got = actual.Row(row);
            for (var column = 0; column < names.Count; column++)
            {
                if (want[column] != got[column])
                {
                    mismatched.Add(names[column]);
                }
            }
        }
        return [.. mismatched];
    }

    private static List<Transaction> Drain(ITransactionSource source, string label)
    {
        var list = new List<Transaction>();
        while (source.TryNext(out var t, out var scenario))
        {
            scenario.Should().Be(label);
            list.Add(t);
        }
        return list;
    }

    public void Dispose() => _folder.Delete(recursive: true);
}
