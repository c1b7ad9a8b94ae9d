using System.Globalization;

namespace FraudDetection.Notifier.Storage;

/// <summary>
/// Kakao's daily quotas, counted per Kakao day (Korea Standard Time, UTC+9, no DST) and persisted,
/// so a restart does not reset the count. Time comes from <see cref="TimeProvider"/> so tests can move it.
/// </summary>
public sealed class DailyQuota(NotifierDatabase database, TimeProvider time)
{
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);

    public const string SenderScope = "sender";
    public static string RecipientScope(string recipientKey) => "recipient:" + recipientKey;

    public string Today => time.GetUtcNow().ToOffset(Kst).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public long Count(string scope)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count FROM quota_counts WHERE day = $d AND scope = $s";
        command.Parameters.AddWithValue("$d", Today);
        command.Parameters.AddWithValue("$s", scope);
        return command.ExecuteScalar() is long count ? count : 0;
    }

    public void Increment(params string[] scopes)
    {
        var day = Today;
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO quota_counts (day, scope, count) VALUES ($d, $s, 1)
            ON CONFLICT (day, scope) DO UPDATE SET count = count + 1
            """;
        command.Parameters.AddWithValue("$d", day);
        var scope = command.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var s in scopes)
        {
            scope.Value = s;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }
}
