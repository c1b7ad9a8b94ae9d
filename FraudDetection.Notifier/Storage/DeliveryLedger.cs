using System.Globalization;

namespace FraudDetection.Notifier.Storage;

/// <summary>Idempotency by trans_num: an alert recorded here is never notified again (restarts and re-delivery included).</summary>
public sealed class DeliveryLedger(NotifierDatabase database)
{
    public bool Contains(string transNum)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM deliveries WHERE trans_num = $t";
        command.Parameters.AddWithValue("$t", transNum);
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Records the final outcome of every alert of one message in one transaction.</summary>
    public void Record(IEnumerable<FraudAlert> alerts, string outcome, string channel, string code, DateTimeOffset at)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO deliveries (trans_num, alert_id, card_id, outcome, channel, code, at)
            VALUES ($t, $a, $c, $o, $ch, $code, $at)
            ON CONFLICT (trans_num) DO NOTHING
            """;
        var t = command.Parameters.Add("$t", Microsoft.Data.Sqlite.SqliteType.Text);
        var a = command.Parameters.Add("$a", Microsoft.Data.Sqlite.SqliteType.Text);
        var c = command.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Text);
        command.Parameters.AddWithValue("$o", outcome);
        command.Parameters.AddWithValue("$ch", channel);
        command.Parameters.AddWithValue("$code", code);
        command.Parameters.AddWithValue("$at", at.ToString("O", CultureInfo.InvariantCulture));
        foreach (var alert in alerts)
        {
            t.Value = alert.TransNum;
            a.Value = alert.AlertId;
            c.Value = alert.CardId;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    public IReadOnlyDictionary<string, long> CountByOutcome()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT outcome, count FROM delivery_counts WHERE count > 0";
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, long>();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        return counts;
    }
}
