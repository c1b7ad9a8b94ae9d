using Microsoft.Data.Sqlite;

namespace FraudDetection.Notifier.Storage;

/// <summary>The Notifier's SQLite file (<c>{DataDirectory}/notifier/notifier.db</c>): deliveries, quota counts, the alert clock, Kakao tokens.</summary>
public sealed class NotifierDatabase
{
    private readonly string _connectionString;

    public NotifierDatabase(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
        using var transaction = connection.BeginTransaction();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'delivery_counts'";
        var countsKept = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS deliveries (
                trans_num  TEXT PRIMARY KEY,
                alert_id   TEXT NOT NULL,
                card_id    TEXT NOT NULL,
                outcome    TEXT NOT NULL,
                channel    TEXT NOT NULL,
                code       TEXT NOT NULL,
                at         TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS quota_counts (
                day    TEXT NOT NULL,
                scope  TEXT NOT NULL,
                count  INTEGER NOT NULL,
                PRIMARY KEY (day, scope));
            CREATE TABLE IF NOT EXISTS alert_clock (
                id          INTEGER PRIMARY KEY CHECK (id = 1),
                newest_time TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS kakao_tokens (
                id                 INTEGER PRIMARY KEY CHECK (id = 1),
                access_token       TEXT,
                access_expires_at  TEXT,
                refresh_token      TEXT,
                refresh_expires_at TEXT,
                seed_hash          TEXT NOT NULL,
                updated_at         TEXT NOT NULL);
            """ + DeliveryCounts;
        command.ExecuteNonQuery();
        if (!countsKept)
        {
            // A file from before the kept counts: counted once from its deliveries.
            command.CommandText = "INSERT INTO delivery_counts SELECT outcome, COUNT(*) FROM deliveries GROUP BY outcome";
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    // The web reads the outcome counts every 2 s: kept by triggers as deliveries are recorded, since counting them was
    // a scan of every delivery ever made on each read.
    private const string DeliveryCounts = """

        CREATE TABLE IF NOT EXISTS delivery_counts (outcome TEXT PRIMARY KEY, count INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS deliveries_counted AFTER INSERT ON deliveries BEGIN
            INSERT INTO delivery_counts VALUES (NEW.outcome, 1) ON CONFLICT (outcome) DO UPDATE SET count = count + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS deliveries_uncounted AFTER DELETE ON deliveries BEGIN
            UPDATE delivery_counts SET count = count - 1 WHERE outcome = OLD.outcome;
        END;
        CREATE TRIGGER IF NOT EXISTS deliveries_recounted AFTER UPDATE OF outcome ON deliveries BEGIN
            UPDATE delivery_counts SET count = count - 1 WHERE outcome = OLD.outcome;
            INSERT INTO delivery_counts VALUES (NEW.outcome, 1) ON CONFLICT (outcome) DO UPDATE SET count = count + 1;
        END;
        """;

    public string Path { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
