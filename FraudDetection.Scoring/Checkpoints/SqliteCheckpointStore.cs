using Microsoft.Data.Sqlite;

namespace FraudDetection.Scoring.Checkpoints;

/// <summary>
/// Checkpoints in one SQLite file. A save is one transaction, so state and offset of every partition in it
/// land together or not at all. Several instances (processes) may share the file: WAL + busy timeout.
/// </summary>
public sealed class SqliteCheckpointStore : ICheckpointStore
{
    private readonly string connectionString;

    public SqliteCheckpointStore(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        Path = path;

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS partition_checkpoint (
                consumer_group TEXT NOT NULL,
                topic TEXT NOT NULL,
                partition INTEGER NOT NULL,
                next_offset INTEGER NOT NULL,
                schema_version TEXT NOT NULL,
                feature_state BLOB NOT NULL,
                dedupe_window BLOB NOT NULL,
                saved_at TEXT NOT NULL,
                PRIMARY KEY (consumer_group, topic, partition));
            """;
        command.ExecuteNonQuery();
    }

    public string Path { get; }

    public PartitionCheckpoint? Load(string group, string topic, int partition)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT consumer_group, topic, partition, next_offset, schema_version, feature_state, dedupe_window, saved_at
            FROM partition_checkpoint WHERE consumer_group = $g AND topic = $t AND partition = $p
            """;
        command.Parameters.AddWithValue("$g", group);
        command.Parameters.AddWithValue("$t", topic);
        command.Parameters.AddWithValue("$p", partition);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public IReadOnlyList<PartitionCheckpoint> LoadAll(string group, string topic)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT consumer_group, topic, partition, next_offset, schema_version, feature_state, dedupe_window, saved_at
            FROM partition_checkpoint WHERE consumer_group = $g AND topic = $t ORDER BY partition
            """;
        command.Parameters.AddWithValue("$g", group);
        command.Parameters.AddWithValue("$t", topic);
        using var reader = command.ExecuteReader();
        var all = new List<PartitionCheckpoint>();
        while (reader.Read())
        {
            all.Add(Read(reader));
        }
        return all;
    }

    public void Save(IReadOnlyList<PartitionCheckpoint> checkpoints)
    {
        if (checkpoints.Count == 0)
        {
            return;
        }
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO partition_checkpoint (consumer_group, topic, partition, next_offset, schema_version, feature_state, dedupe_window, saved_at)
            VALUES ($g, $t, $p, $o, $s, $f, $d, $at)
            ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
                next_offset = excluded.next_offset, schema_version = excluded.schema_version,
                feature_state = excluded.feature_state, dedupe_window = excluded.dedupe_window, saved_at = excluded.saved_at
            """;
        var g = command.Parameters.Add("$g", SqliteType.Text);
        var t = command.Parameters.Add("$t", SqliteType.Text);
        var p = command.Parameters.Add("$p", SqliteType.Integer);
        var o = command.Parameters.Add("$o", SqliteType.Integer);
        var s = command.Parameters.Add("$s", SqliteType.Text);
        var f = command.Parameters.Add("$f", SqliteType.Blob);
        var d = command.Parameters.Add("$d", SqliteType.Blob);
        var at = command.Parameters.Add("$at", SqliteType.Text);
        foreach (var checkpoint in checkpoints)
        {
            g.Value = checkpoint.Group;
            t.Value = checkpoint.Topic;
            p.Value = checkpoint.Partition;
            o.Value = checkpoint.NextOffset;
            s.Value = checkpoint.SchemaVersion;
            f.Value = checkpoint.FeatureState;
            d.Value = checkpoint.DedupeWindow;
            at.Value = checkpoint.SavedAt.ToString("O");
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static PartitionCheckpoint Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetInt64(3),
        reader.GetString(4),
        (byte[])reader[5],
        (byte[])reader[6],
        DateTimeOffset.Parse(reader.GetString(7), System.Globalization.CultureInfo.InvariantCulture));
}
