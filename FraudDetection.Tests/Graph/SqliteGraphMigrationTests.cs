using FraudDetection.Graph.Store;
using FraudDetection.Graph.Sqlite;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.Graph;

/// <summary>Graph files written by earlier releases open with nothing lost: version 1 (merchants keyed by name, edges
/// keyed by trans_num), version 2 (edges unique on (cc_num, ts, trans_num)) and version 3 (totals counted on each
/// read, not kept).</summary>
public class SqliteGraphMigrationTests
{
    // The version-1 layout as the first release created it.
    private const string Version1Schema = """
        CREATE TABLE cards (
            cc_num INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, gender TEXT NOT NULL,
            street TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL, zip INTEGER NOT NULL,
            lat REAL NOT NULL, long REAL NOT NULL, city_pop INTEGER NOT NULL, job TEXT NOT NULL, dob TEXT NOT NULL);
        CREATE TABLE merchants (name TEXT PRIMARY KEY, lat REAL NOT NULL, long REAL NOT NULL, category TEXT NOT NULL);
        CREATE TABLE transactions (
            trans_num TEXT PRIMARY KEY, cc_num INTEGER NOT NULL REFERENCES cards(cc_num),
            merchant TEXT NOT NULL REFERENCES merchants(name),
            time TEXT NOT NULL, ts INTEGER NOT NULL, amt REAL NOT NULL, category TEXT NOT NULL,
            is_fraud INTEGER NULL, score REAL NOT NULL, model_version TEXT NOT NULL, is_alert INTEGER NOT NULL,
            merch_lat REAL NOT NULL, merch_long REAL NOT NULL);
        CREATE INDEX transactions_card_ts ON transactions(cc_num, ts);
        CREATE INDEX transactions_merchant_ts ON transactions(merchant, ts);
        CREATE INDEX transactions_ts ON transactions(ts, trans_num);
        CREATE INDEX transactions_alerted_ts ON transactions(ts, trans_num) WHERE is_alert = 1;
        """;

    // The version-2 layout as the release before version 3 created it.
    private const string Version2Schema = """
        CREATE TABLE cards (
            cc_num INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, gender TEXT NOT NULL,
            street TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL, zip INTEGER NOT NULL,
            lat REAL NOT NULL, long REAL NOT NULL, city_pop INTEGER NOT NULL, job TEXT NOT NULL, dob TEXT NOT NULL);
        CREATE TABLE merchants (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, lat REAL NOT NULL, long REAL NOT NULL, category TEXT NOT NULL);
        CREATE TABLE edges (
            id INTEGER PRIMARY KEY,
            cc_num INTEGER NOT NULL REFERENCES cards(cc_num),
            ts INTEGER NOT NULL,
            trans_num TEXT NOT NULL,
            merchant_id INTEGER NOT NULL REFERENCES merchants(id),
            time TEXT NOT NULL, amt REAL NOT NULL, category TEXT NOT NULL,
            is_fraud INTEGER NULL, score REAL NOT NULL, model_version TEXT NOT NULL, is_alert INTEGER NOT NULL,
            merch_lat REAL NOT NULL, merch_long REAL NOT NULL,
            UNIQUE (cc_num, ts, trans_num));
        CREATE INDEX edges_ts ON edges(ts);
        CREATE INDEX edges_alerted_ts ON edges(ts) WHERE is_alert = 1;
        CREATE VIEW transactions AS
            SELECT e.trans_num, e.cc_num, m.name AS merchant, e.time, e.ts, e.amt, e.category, e.is_fraud, e.score,
                   e.model_version, e.is_alert, e.merch_lat, e.merch_long
            FROM edges e JOIN merchants m ON m.id = e.merchant_id;
        PRAGMA user_version = 2;
        """;

    // The version-3 layout as the release before version 4 created it.
    private const string Version3Schema = """
        CREATE TABLE cards (
            cc_num INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, gender TEXT NOT NULL,
            street TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL, zip INTEGER NOT NULL,
            lat REAL NOT NULL, long REAL NOT NULL, city_pop INTEGER NOT NULL, job TEXT NOT NULL, dob TEXT NOT NULL);
        CREATE TABLE merchants (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, lat REAL NOT NULL, long REAL NOT NULL, category TEXT NOT NULL);
        CREATE TABLE edges (
            id INTEGER PRIMARY KEY,
            cc_num INTEGER NOT NULL REFERENCES cards(cc_num),
            ts INTEGER NOT NULL,
            trans_num TEXT NOT NULL,
            merchant_id INTEGER NOT NULL REFERENCES merchants(id),
            time TEXT NOT NULL, amt REAL NOT NULL, category TEXT NOT NULL,
            is_fraud INTEGER NULL, score REAL NOT NULL, model_version TEXT NOT NULL, is_alert INTEGER NOT NULL,
            merch_lat REAL NOT NULL, merch_long REAL NOT NULL,
            UNIQUE (ts, trans_num));
        CREATE INDEX edges_card_ts ON edges(cc_num, ts);
        CREATE INDEX edges_alerted_ts ON edges(ts) WHERE is_alert = 1;
        CREATE VIEW transactions AS
            SELECT e.trans_num, e.cc_num, m.name AS merchant, e.time, e.ts, e.amt, e.category, e.is_fraud, e.score,
                   e.model_version, e.is_alert, e.merch_lat, e.merch_long
            FROM edges e JOIN merchants m ON m.id = e.merchant_id;
        CREATE TABLE labels (
            trans_num TEXT PRIMARY KEY, ts INTEGER NOT NULL, card_id TEXT NOT NULL, label TEXT NOT NULL,
            source TEXT NOT NULL, learned_at TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX labels_learned ON labels(learned_at);
        PRAGMA user_version = 3;
        """;

    private static FluentAssertions.Equivalency.EquivalencyAssertionOptions<T> Ordered<T>(FluentAssertions.Equivalency.EquivalencyAssertionOptions<T> options) => options
        .WithStrictOrdering()
        .Using<double>(c => c.Subject.Should().BeApproximately(c.Expectation, 1e-6 * Math.Max(1, Math.Abs(c.Expectation))))
        .WhenTypeIs<double>();

    [Fact]
    public Task A_version_1_file_is_migrated_in_place_and_keeps_taking_edges() => MigratesInPlace(WriteVersion1);

    [Fact]
    public Task A_version_2_file_is_migrated_in_place_and_keeps_taking_edges() => MigratesInPlace(WriteVersion2);

    [Fact]
    public Task A_version_3_file_gets_its_totals_counted_in_place_and_keeps_taking_edges() => MigratesInPlace(WriteVersion3);

    [Fact]
    public async Task A_file_of_a_newer_layout_is_refused_with_its_version_and_left_as_it_was()
    {
        var directory = Directory.CreateTempSubdirectory("graph-migration-");
        try
        {
            var file = Path.Combine(directory.FullName, "graph.db");
            using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = "CREATE TABLE future (x); PRAGMA user_version = 99;";
                command.ExecuteNonQuery();
            }

            await using (var store = new SqliteGraphStore(file))
            {
                var open = () => store.EnsureSchemaAsync();
                (await open.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("version 99");
            }
            SqliteConnection.ClearAllPools();
            UserVersion(file).Should().Be(99);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static async Task MigratesInPlace(Action<string, IReadOnlyList<GraphEdge>> writeOldLayout)
    {
        var directory = Directory.CreateTempSubdirectory("graph-migration-");
        try
        {
            var file = Path.Combine(directory.FullName, "graph.db");
            var edges = GraphTestData.Edges(600);
            var old = edges.Take(400).ToList();
            writeOldLayout(file, old);

            await using (var store = new SqliteGraphStore(file))
            {
                var migrated = new ExpectedGraph(old);
                (await store.TotalsAsync()).Should().Be(migrated.Totals());
                (await store.MerchantsByVolumeAsync(10)).Should().BeEquivalentTo(migrated.MerchantsByVolume(10), Ordered);
                (await store.LatestTransactionsAsync(10)).Should().BeEquivalentTo(migrated.Latest(10), Ordered);
                (await store.FraudCountsAsync()).Should().Be(migrated.FraudCounts());
                (await store.FraudByMerchantAsync(10)).Should().BeEquivalentTo(migrated.FraudByMerchant(10), Ordered);

                // Re-delivered old edges merge with the migrated ones; new edges add.
                await store.WriteAsync(edges.Skip(300).ToList());
                var all = new ExpectedGraph(edges);
                (await store.TotalsAsync()).Should().Be(all.Totals());
                (await store.FraudCountsAsync()).Should().Be(all.FraudCounts());
                (await store.MerchantsByVolumeAsync(10)).Should().BeEquivalentTo(all.MerchantsByVolume(10), Ordered);
                (await store.FraudByMerchantAsync(10)).Should().BeEquivalentTo(all.FraudByMerchant(10), Ordered);
            }
            SqliteConnection.ClearAllPools();

            await using var reopened = new SqliteGraphStore(file);
            (await reopened.TotalsAsync()).Transactions.Should().Be(edges.Count);
            SqliteConnection.ClearAllPools();
            UserVersion(file).Should().Be(SqliteGraphStore.SchemaVersion);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static int UserVersion(string file)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(version.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void WriteVersion3(string file, IReadOnlyList<GraphEdge> edges) => WriteLayout(file, Version3Schema, """
        INSERT OR IGNORE INTO cards VALUES ($cc, $first, $last, $gender, $street, $city, $state, $zip, $lat, $long, $pop, $job, $dob);
        INSERT OR IGNORE INTO merchants (name, lat, long, category) VALUES ($merchant, $mlat, $mlong, $category);
        INSERT INTO edges (cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
        VALUES ($cc, $ts, $tn, (SELECT id FROM merchants WHERE name = $merchant), $time, $amt, $category, $fraud, $score, $version, $alert, $mlat, $mlong);
        """, edges);

    private static void WriteVersion2(string file, IReadOnlyList<GraphEdge> edges) => WriteLayout(file, Version2Schema, """
        INSERT OR IGNORE INTO cards VALUES ($cc, $first, $last, $gender, $street, $city, $state, $zip, $lat, $long, $pop, $job, $dob);
        INSERT OR IGNORE INTO merchants (name, lat, long, category) VALUES ($merchant, $mlat, $mlong, $category);
        INSERT INTO edges (cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
        VALUES ($cc, $ts, $tn, (SELECT id FROM merchants WHERE name = $merchant), $time, $amt, $category, $fraud, $score, $version, $alert, $mlat, $mlong);
        """, edges);

    private static void WriteVersion1(string file, IReadOnlyList<GraphEdge> edges) => WriteLayout(file, Version1Schema, """
        INSERT OR IGNORE INTO cards VALUES ($cc, $first, $last, $gender, $street, $city, $state, $zip, $lat, $long, $pop, $job, $dob);
        INSERT OR IGNORE INTO merchants VALUES ($merchant, $mlat, $mlong, $category);
        INSERT INTO transactions VALUES ($tn, $cc, $merchant, $time, $ts, $amt, $category, $fraud, $score, $version, $alert, $mlat, $mlong);
        """, edges);

    /// <summary>A file as an earlier release wrote it: its schema, then each edge through its inserts.</summary>
    private static void WriteLayout(string file, string schema, string insertEdge, IReadOnlyList<GraphEdge> edges)
    {
        using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.CommandText = schema;
        command.ExecuteNonQuery();
        command.CommandText = insertEdge;
        foreach (var e in edges)
        {
            command.Parameters.Clear();
            AddParameters(command, e);
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static void AddParameters(SqliteCommand command, GraphEdge e)
    {
        command.Parameters.AddWithValue("$cc", e.CcNum);
        command.Parameters.AddWithValue("$first", e.First);
        command.Parameters.AddWithValue("$last", e.Last);
        command.Parameters.AddWithValue("$gender", e.Gender);
        command.Parameters.AddWithValue("$street", e.Street);
        command.Parameters.AddWithValue("$city", e.City);
        command.Parameters.AddWithValue("$state", e.State);
        command.Parameters.AddWithValue("$zip", e.Zip);
        command.Parameters.AddWithValue("$lat", e.Lat);
        command.Parameters.AddWithValue("$long", e.Long);
        command.Parameters.AddWithValue("$pop", e.CityPop);
        command.Parameters.AddWithValue("$job", e.Job);
        command.Parameters.AddWithValue("$dob", e.Dob);
        command.Parameters.AddWithValue("$merchant", e.Merchant);
        command.Parameters.AddWithValue("$mlat", e.MerchLat);
        command.Parameters.AddWithValue("$mlong", e.MerchLong);
        command.Parameters.AddWithValue("$category", e.Category);
        command.Parameters.AddWithValue("$tn", e.TransNum);
        command.Parameters.AddWithValue("$time", e.Time);
        command.Parameters.AddWithValue("$ts", e.Ts);
        command.Parameters.AddWithValue("$amt", e.Amt);
        command.Parameters.AddWithValue("$fraud", e.IsFraud is { } f ? f : DBNull.Value);
        command.Parameters.AddWithValue("$score", e.Score);
        command.Parameters.AddWithValue("$version", e.ModelVersion);
        command.Parameters.AddWithValue("$alert", e.IsAlert ? 1 : 0);
    }
}
