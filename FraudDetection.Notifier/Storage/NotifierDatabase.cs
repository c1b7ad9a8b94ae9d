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
        command.CommandText = """
            PRAGMA journal_mode = WAL;
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
            """;
        command.ExecuteNonQuery();
    }

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
