using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Web.Alerts;

/// <summary>Where an alert stands in review.</summary>
public static class AlertStatuses
{
    /// <summary>Nobody has decided yet (the holder may have said "it was me").</summary>
    public const string Open = "open";

    /// <summary>The card holder said "it wasn't me": fraud confirmed for the analysts, who still give the verdict.</summary>
    public const string Confirmed = "confirmed";

    /// <summary>An analyst's verdict.</summary>
    public const string Fraud = "fraud";
    public const string Genuine = "genuine";

    public static IReadOnlyList<string> All { get; } = [Open, Confirmed, Fraud, Genuine];
}

/// <summary>The card holder's answers on the feedback page.</summary>
public static class HolderAnswers
{
    public const string Me = "me";
    public const string NotMe = "not_me";
}

/// <summary>An alert as web keeps it: masked card only, the reasons Scoring gave, and what was decided.</summary>
public sealed record StoredAlert(
    [property: JsonPropertyName("alert_id")] string AlertId,
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("card_masked")] string CardMasked,
    [property: JsonPropertyName("amount")] double Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("local_time")] DateTime LocalTime,
    [property: JsonPropertyName("city")] string City,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("reasons")] IReadOnlyList<FeatureContribution> Reasons,
    [property: JsonPropertyName("raised_at")] DateTimeOffset RaisedAt,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("holder_answer")] string? HolderAnswer,
    [property: JsonPropertyName("holder_answered_at")] DateTimeOffset? HolderAnsweredAt,
    [property: JsonPropertyName("analyst_verdict")] string? AnalystVerdict,
    [property: JsonPropertyName("analyst_decided_at")] DateTimeOffset? AnalystDecidedAt);

/// <summary>A label waiting to be published to <see cref="Topics.Labels"/>.</summary>
public sealed record PendingLabel(long Id, FraudLabel Label);

/// <summary>What an answer or a verdict did.</summary>
public enum DecisionOutcome
{
    Recorded,
    AlreadyDecided,
    UnknownAlert,
}

/// <summary>
/// Web's SQLite file (<c>{DataDirectory}/web/alerts.db</c>): the alerts read from <see cref="Topics.Alerts"/> (one row
/// per alert id, so an alert read twice is stored once), the holder's answer and the analyst's verdict, and an outbox of
/// labels to publish: a decision and its label are written in one transaction.
/// </summary>
public sealed class AlertStore
{
    private readonly string _connectionString;

    public AlertStore(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS alerts (
                alert_id          TEXT PRIMARY KEY,
                trans_num         TEXT NOT NULL,
                card_id           TEXT NOT NULL,
                card_masked       TEXT NOT NULL,
                amount            REAL NOT NULL,
                currency          TEXT NOT NULL,
                merchant          TEXT NOT NULL,
                category          TEXT NOT NULL,
                local_time        TEXT NOT NULL,
                city              TEXT NOT NULL,
                state             TEXT NOT NULL,
                score             REAL NOT NULL,
                threshold         REAL NOT NULL,
                model_version     TEXT NOT NULL,
                reasons           TEXT NOT NULL,
                raised_at         TEXT NOT NULL,
                status            TEXT NOT NULL,
                holder_answer     TEXT,
                holder_answered_at TEXT,
                analyst_verdict   TEXT,
                analyst_at        TEXT);
            CREATE INDEX IF NOT EXISTS alerts_by_raised ON alerts (raised_at DESC);
            CREATE INDEX IF NOT EXISTS alerts_by_card ON alerts (card_id, raised_at DESC);
            CREATE TABLE IF NOT EXISTS label_outbox (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                alert_id      TEXT NOT NULL,
                card_id       TEXT NOT NULL,
                label         TEXT NOT NULL,
                source        TEXT NOT NULL,
                learned_at    TEXT NOT NULL,
                published_at  TEXT);
            """;
        command.ExecuteNonQuery();
    }

    public string Path { get; }

    /// <summary>Keeps <paramref name="alert"/>; false when its id was already stored (a redelivery).</summary>
    public bool Add(FraudAlert alert)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR IGNORE INTO alerts (alert_id, trans_num, card_id, card_masked, amount, currency, merchant, category, local_time,
                city, state, score, threshold, model_version, reasons, raised_at, status)
            VALUES ($id, $trans, $card, $masked, $amount, $currency, $merchant, $category, $local, $city, $state, $score, $threshold,
                $model, $reasons, $raised, $status)
            """;
        command.Parameters.AddWithValue("$id", alert.AlertId);
        command.Parameters.AddWithValue("$trans", alert.TransNum);
        command.Parameters.AddWithValue("$card", alert.CardId);
        // Re-masked here too: whatever the alert carried, only the last 4 digits are stored.
        command.Parameters.AddWithValue("$masked", MaskCard(alert.CardMasked));
        command.Parameters.AddWithValue("$amount", alert.Amount);
        command.Parameters.AddWithValue("$currency", alert.Currency ?? "USD");
        command.Parameters.AddWithValue("$merchant", alert.Merchant ?? "");
        command.Parameters.AddWithValue("$category", alert.Category ?? "");
        command.Parameters.AddWithValue("$local", alert.LocalTime.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$city", alert.City ?? "");
        command.Parameters.AddWithValue("$state", alert.State ?? "");
        command.Parameters.AddWithValue("$score", alert.Score);
        command.Parameters.AddWithValue("$threshold", alert.Threshold);
        command.Parameters.AddWithValue("$model", alert.ModelVersion ?? "");
        command.Parameters.AddWithValue("$reasons", JsonSerializer.Serialize(alert.Reasons ?? [], AlertStoreJsonContext.Default.IReadOnlyListFeatureContribution));
        command.Parameters.AddWithValue("$raised", Utc(alert.RaisedAt));
        command.Parameters.AddWithValue("$status", AlertStatuses.Open);
        return command.ExecuteNonQuery() == 1;
    }

    public StoredAlert? Find(string alertId)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"{Select} WHERE alert_id = $id";
        command.Parameters.AddWithValue("$id", alertId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    /// <summary>
    /// Alerts newest first. <paramref name="status"/>: one of <see cref="AlertStatuses"/>, <c>pending</c> (open or
    /// confirmed: no verdict yet) or null for all; the window is on the time the alert was raised.
    /// </summary>
    public IReadOnlyList<StoredAlert> List(string? status, DateTimeOffset? from, DateTimeOffset? to, int limit, string? cardId = null)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var where = new List<string>();
        if (status == "pending")
        {
            where.Add($"status IN ('{AlertStatuses.Open}', '{AlertStatuses.Confirmed}')");
        }
        else if (status is not null)
        {
            where.Add("status = $status");
            command.Parameters.AddWithValue("$status", status);
        }
        if (from is { } start)
        {
            where.Add("raised_at >= $from");
            command.Parameters.AddWithValue("$from", Utc(start));
        }
        if (to is { } end)
        {
            where.Add("raised_at <= $to");
            command.Parameters.AddWithValue("$to", Utc(end));
        }
        if (cardId is not null)
        {
            where.Add("card_id = $card");
            command.Parameters.AddWithValue("$card", cardId);
        }
        command.CommandText = $"{Select} {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")} ORDER BY raised_at DESC, alert_id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var alerts = new List<StoredAlert>();
        while (reader.Read())
        {
            alerts.Add(Read(reader));
        }
        return alerts;
    }

    /// <summary>
    /// The holder's answer, once: the answer, the new status and the label to publish are one transaction, so a label
    /// is queued exactly when an answer is recorded.
    /// </summary>
    public DecisionOutcome RecordHolderAnswer(string alertId, string answer, DateTimeOffset at)
    {
        var status = answer == HolderAnswers.NotMe ? AlertStatuses.Confirmed : AlertStatuses.Open;
        var label = answer == HolderAnswers.NotMe ? LabelValues.Fraud : LabelValues.Genuine;
        return Decide(alertId, at, label, LabelSources.Customer, """
            UPDATE alerts SET holder_answer = $value, holder_answered_at = $at,
                status = CASE WHEN analyst_verdict IS NULL THEN $status ELSE status END
            WHERE alert_id = $id AND holder_answer IS NULL
            """, answer, status);
    }

    /// <summary>The analyst's verdict (<see cref="LabelValues"/>), once, with its label queued in the same transaction.</summary>
    public DecisionOutcome RecordAnalystVerdict(string alertId, string label, DateTimeOffset at) =>
        Decide(alertId, at, label, LabelSources.Analyst, """
            UPDATE alerts SET analyst_verdict = $value, analyst_at = $at, status = $status
            WHERE alert_id = $id AND analyst_verdict IS NULL
            """, label, label);

    private DecisionOutcome Decide(string alertId, DateTimeOffset at, string label, string source, string update, string value, string status)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = update;
            command.Parameters.AddWithValue("$id", alertId);
            command.Parameters.AddWithValue("$value", value);
            command.Parameters.AddWithValue("$at", Utc(at));
            command.Parameters.AddWithValue("$status", status);
            if (command.ExecuteNonQuery() == 0)
            {
                return Exists(connection, transaction, alertId) ? DecisionOutcome.AlreadyDecided : DecisionOutcome.UnknownAlert;
            }
        }
        using (var outbox = connection.CreateCommand())
        {
            outbox.Transaction = transaction;
            outbox.CommandText = """
                INSERT INTO label_outbox (alert_id, card_id, label, source, learned_at)
                SELECT alert_id, card_id, $label, $source, $at FROM alerts WHERE alert_id = $id
                """;
            outbox.Parameters.AddWithValue("$id", alertId);
            outbox.Parameters.AddWithValue("$label", label);
            outbox.Parameters.AddWithValue("$source", source);
            outbox.Parameters.AddWithValue("$at", Utc(at));
            outbox.ExecuteNonQuery();
        }
        transaction.Commit();
        return DecisionOutcome.Recorded;
    }

    /// <summary>Labels not yet acknowledged by the broker, oldest first, as they go on <see cref="Topics.Labels"/>.</summary>
    public IReadOnlyList<PendingLabel> Unpublished(int limit = 100)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT o.id, a.trans_num, a.card_id, o.label, o.source, a.local_time, o.learned_at, a.alert_id
            FROM label_outbox o JOIN alerts a ON a.alert_id = o.alert_id
            WHERE o.published_at IS NULL ORDER BY o.id LIMIT $limit
            """;
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var rows = new List<PendingLabel>();
        while (reader.Read())
        {
            rows.Add(new PendingLabel(reader.GetInt64(0), new FraudLabel(reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), DateTime.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Time(reader.GetString(6)), reader.GetString(7))));
        }
        return rows;
    }

    public void MarkPublished(long id, DateTimeOffset at)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE label_outbox SET published_at = $at WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", Utc(at));
        command.ExecuteNonQuery();
    }

    /// <summary>"****1234" from whatever was carried: only the last 4 digits survive.</summary>
    public static string MaskCard(string? card)
    {
        var digits = new string((card ?? "").Where(char.IsAsciiDigit).ToArray());
        return digits.Length >= 4 ? "****" + digits[^4..] : "****";
    }

    private const string Select = """
        SELECT alert_id, trans_num, card_id, card_masked, amount, currency, merchant, category, local_time, city, state, score,
            threshold, model_version, reasons, raised_at, status, holder_answer, holder_answered_at, analyst_verdict, analyst_at
        FROM alerts
        """;

    private static StoredAlert Read(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetString(5), r.GetString(6), r.GetString(7),
        DateTime.Parse(r.GetString(8), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), r.GetString(9), r.GetString(10),
        r.GetDouble(11), r.GetDouble(12), r.GetString(13),
        JsonSerializer.Deserialize(r.GetString(14), AlertStoreJsonContext.Default.IReadOnlyListFeatureContribution) ?? [],
        Time(r.GetString(15)), r.GetString(16),
        r.IsDBNull(17) ? null : r.GetString(17), r.IsDBNull(18) ? null : Time(r.GetString(18)),
        r.IsDBNull(19) ? null : r.GetString(19), r.IsDBNull(20) ? null : Time(r.GetString(20)));

    private static bool Exists(SqliteConnection connection, SqliteTransaction transaction, string alertId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT 1 FROM alerts WHERE alert_id = $id";
        command.Parameters.AddWithValue("$id", alertId);
        return command.ExecuteScalar() is not null;
    }

    // Fixed-width UTC text sorts as time does.
    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<FeatureContribution>))]
internal sealed partial class AlertStoreJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
