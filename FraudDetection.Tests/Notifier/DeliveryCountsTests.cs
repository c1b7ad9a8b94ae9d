using FraudDetection.Notifier.Storage;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Tests.Notifier;

/// <summary>
/// The ledger keeps its count of deliveries by outcome as they are recorded (the web reads it every 2 s), held here
/// against a count over the deliveries themselves; a file from before the kept counts is counted once when opened.
/// </summary>
public class DeliveryCountsTests
{
    private const string Counted = "SELECT outcome, COUNT(*) FROM deliveries GROUP BY outcome";

    [Fact]
    public void Kept_counts_equal_a_count_over_the_deliveries_after_records_repeats_changes_and_deletes()
    {
        var directory = Directory.CreateTempSubdirectory("notifier-counts-");
        try
        {
            var file = Path.Combine(directory.FullName, "notifier.db");
            var ledger = new DeliveryLedger(new NotifierDatabase(file));
            var at = DateTimeOffset.UtcNow;
            ledger.Record([TestAlerts.Make("t-1"), TestAlerts.Make("t-2"), TestAlerts.Make("t-3")], "sent", "kakao", "0", at);
            ledger.Record([TestAlerts.Make("t-4")], "fallback", "outbox", "dry-run", at);
            ledger.Record([TestAlerts.Make("t-1"), TestAlerts.Make("t-5")], "fallback", "outbox", "dry-run", at); // t-1 is recorded already

            ledger.CountByOutcome().Should().BeEquivalentTo(new Dictionary<string, long> { ["sent"] = 3, ["fallback"] = 2 });
            ledger.CountByOutcome().Should().BeEquivalentTo(CountDirectly(file));

            SqliteFiles.Execute(file, "UPDATE deliveries SET outcome = 'fallback' WHERE trans_num = 't-2'").Should().Be(1);
            SqliteFiles.Execute(file, "DELETE FROM deliveries WHERE trans_num IN ('t-1', 't-3')").Should().Be(2);
            ledger.CountByOutcome().Should().BeEquivalentTo(new Dictionary<string, long> { ["fallback"] = 3 });
            ledger.CountByOutcome().Should().BeEquivalentTo(CountDirectly(file));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_file_from_before_the_kept_counts_is_counted_once_when_opened()
    {
        var directory = Directory.CreateTempSubdirectory("notifier-counts-");
        try
        {
            var file = Path.Combine(directory.FullName, "notifier.db");
            SqliteFiles.Execute(file, """
                CREATE TABLE deliveries (trans_num TEXT PRIMARY KEY, alert_id TEXT NOT NULL, card_id TEXT NOT NULL,
                    outcome TEXT NOT NULL, channel TEXT NOT NULL, code TEXT NOT NULL, at TEXT NOT NULL);
                INSERT INTO deliveries VALUES ('a', 'a1', 'c', 'sent', 'kakao', '0', '2026-01-01'),
                    ('b', 'b1', 'c', 'sent', 'kakao', '0', '2026-01-01'), ('c', 'c1', 'c', 'fallback', 'outbox', 'x', '2026-01-01');
                """).Should().Be(3);

            var ledger = new DeliveryLedger(new NotifierDatabase(file));
            ledger.CountByOutcome().Should().BeEquivalentTo(new Dictionary<string, long> { ["sent"] = 2, ["fallback"] = 1 });

            ledger.Record([TestAlerts.Make("d")], "sent", "kakao", "0", DateTimeOffset.UtcNow);
            _ = new NotifierDatabase(file); // opened again: not counted twice
            ledger.CountByOutcome().Should().BeEquivalentTo(new Dictionary<string, long> { ["sent"] = 3, ["fallback"] = 1 });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    private static Dictionary<string, long> CountDirectly(string file) =>
        SqliteFiles.Rows(file, Counted).Select(row => row.Split('|')).ToDictionary(r => r[0], r => long.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture));
}
