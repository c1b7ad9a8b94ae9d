using System.Globalization;

namespace FraudDetection.Notifier.Storage;

/// <summary>
/// The newest <c>local_time</c> of the alerts accepted, persisted: a looped replay runs ahead of the wall clock, and
/// an alert is implausible only more than a year past both (<see cref="Kafka.AlertChecks"/>), after a restart too.
/// </summary>
public sealed class AlertClock(NotifierDatabase database)
{
    private DateTime? newest;
    private bool loaded;

    /// <summary>The newest local time accepted so far (null before the first alert).</summary>
    public DateTime? Newest
    {
        get
        {
            if (!loaded)
            {
                using var connection = database.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT newest_time FROM alert_clock WHERE id = 1";
                newest = command.ExecuteScalar() is string text
                    ? DateTime.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
                    : null;
                loaded = true;
            }
            return newest;
        }
    }

    /// <summary>An alert at <paramref name="localTime"/> was accepted: moves the clock on if it is newer.</summary>
    public void Accepted(DateTime localTime)
    {
        if (Newest is { } current && localTime <= current)
        {
            return;
        }
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO alert_clock (id, newest_time) VALUES (1, $t)
            ON CONFLICT (id) DO UPDATE SET newest_time = $t
            """;
        command.Parameters.AddWithValue("$t", localTime.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        newest = localTime;
    }
}
