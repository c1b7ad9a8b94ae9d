using FraudDetection.Notifier.Kafka;
using FraudDetection.Notifier.Storage;

namespace FraudDetection.Tests.Notifier;

/// <summary>What an alert must hold before a card holder is messaged: its local time.</summary>
public sealed class AlertChecksTests
{
    [Fact]
    public void A_local_time_more_than_a_year_ahead_is_plausible_only_within_a_year_of_the_newest_alert()
    {
        var now = DateTime.UtcNow;
        var twoYearsAhead = TestAlerts.Make("t1", localTime: now.AddYears(2));

        AlertChecks.Problem(twoYearsAhead).Should().Contain("local_time", "nothing accepted so far is that far ahead");
        AlertChecks.Problem(twoYearsAhead, newestLocalTime: now.AddYears(1).AddMonths(6)).Should().BeNull("a looped replay's alerts run ahead of the clock");
        AlertChecks.Problem(twoYearsAhead, newestLocalTime: now.AddMonths(6)).Should().Contain("local_time", "a year and a half past the newest alert");
        AlertChecks.Problem(TestAlerts.Make("t2", localTime: new DateTime(2300, 1, 1)), newestLocalTime: now.AddYears(3)).Should().Contain("local_time");
        AlertChecks.Problem(TestAlerts.Make("t3"), newestLocalTime: now.AddYears(3)).Should().BeNull("an older alert is not implausible");
    }

    [Fact]
    public void The_alert_clock_only_moves_forward_and_survives_a_restart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "fd-alert-clock-" + Guid.NewGuid().ToString("N"));
        try
        {
            var path = Path.Combine(directory, "notifier.db");
            var clock = new AlertClock(new NotifierDatabase(path));
            clock.Newest.Should().BeNull();
            var ahead = new DateTime(2031, 5, 6, 7, 8, 9);
            clock.Accepted(ahead);
            clock.Accepted(ahead.AddDays(-30));
            clock.Newest.Should().Be(ahead, "an older alert does not move it back");

            new AlertClock(new NotifierDatabase(path)).Newest.Should().Be(ahead, "a restarted Notifier judges by the clock it had");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
