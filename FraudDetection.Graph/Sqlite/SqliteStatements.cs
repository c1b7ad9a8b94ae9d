namespace FraudDetection.Graph.Sqlite;

/// <summary>Every SQL statement of the embedded graph, parameterised. Node tables <c>cards</c>, <c>merchants</c>; edge table <c>transactions</c>.</summary>
internal static class SqliteStatements
{
    public const string Pragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;";

    // A larger page cache keeps the indexes' hot pages in memory. WAL checkpoints run beside the writer
    // (SqliteWalCheckpointer); SQLite's own, on the writer, only as a safety net at 256 MB of WAL. The writer inserts
    // an edge's card and merchant before it in the same transaction (and forgets them if it rolls back), so it does not
    // have SQLite check the foreign keys again: the check made every edge insert keep a statement journal (a copy
    // of each page it touched), a fifth of the store's CPU.
    public const string WriterPragmas = "PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=65536; PRAGMA foreign_keys=OFF;";

    /// <summary>Schema version kept in <c>PRAGMA user_version</c>; versions 1 (text merchant keys, trans_num primary
    /// key), 2 (identity (cc_num, ts, trans_num)) and 3 (no kept totals) are migrated in place.</summary>
    public const int SchemaVersion = 4;

    // Write cost decides the shape: an edge is appended (rowid); its identity (time, trans_num) lands at the end of
    // that index as transactions arrive in time order, and doubles as the time index; a card's edges are found through
    // the small (cc_num, ts) index. A random-key index on trans_num alone cost as much as the rest together and fell
    // out of cache past a million edges; identity (cc_num, ts, trans_num) beside a ts index (version 2) cost the sink
    // 10-20 % more than this (graph-bench, 300k edges).
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS cards (
            cc_num INTEGER PRIMARY KEY, first TEXT NOT NULL, last TEXT NOT NULL, gender TEXT NOT NULL,
            street TEXT NOT NULL, city TEXT NOT NULL, state TEXT NOT NULL, zip INTEGER NOT NULL,
            lat REAL NOT NULL, long REAL NOT NULL, city_pop INTEGER NOT NULL, job TEXT NOT NULL, dob TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS merchants (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, lat REAL NOT NULL, long REAL NOT NULL, category TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS edges (
            id INTEGER PRIMARY KEY,
            cc_num INTEGER NOT NULL REFERENCES cards(cc_num),
            ts INTEGER NOT NULL,
            trans_num TEXT NOT NULL,
            merchant_id INTEGER NOT NULL REFERENCES merchants(id),
            time TEXT NOT NULL, amt REAL NOT NULL, category TEXT NOT NULL,
            is_fraud INTEGER NULL, score REAL NOT NULL, model_version TEXT NOT NULL, is_alert INTEGER NOT NULL,
            merch_lat REAL NOT NULL, merch_long REAL NOT NULL,
            UNIQUE (ts, trans_num));
        CREATE INDEX IF NOT EXISTS edges_card_ts ON edges(cc_num, ts);
        CREATE INDEX IF NOT EXISTS edges_alerted_ts ON edges(ts) WHERE is_alert = 1;
        CREATE VIEW IF NOT EXISTS transactions AS
            SELECT e.trans_num, e.cc_num, m.name AS merchant, e.time, e.ts, e.amt, e.category, e.is_fraud, e.score,
                   e.model_version, e.is_alert, e.merch_lat, e.merch_long
            FROM edges e JOIN merchants m ON m.id = e.merchant_id;
        CREATE TABLE IF NOT EXISTS labels (
            trans_num TEXT PRIMARY KEY, ts INTEGER NOT NULL, card_id TEXT NOT NULL, label TEXT NOT NULL,
            source TEXT NOT NULL, learned_at TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS labels_learned ON labels(learned_at);
        """ + KeptTotals + """
        PRAGMA user_version = 4;
        """;

    // The overview reads the totals and the per-merchant figures every few seconds; counting them from the edges was a
    // scan of the whole graph each time, a cost that grew with every edge kept. Triggers keep them in the writer's
    // transaction instead: the card count as cards are created (rarely), and each merchant's figures, one update by its
    // key per edge. A merchant's row is created with the merchant, so the merchant count and the edge totals are sums
    // over those rows (a few hundred to a few thousand).
    // A changed amount is added as its difference (x + 0.0 is x, so an unchanged one keeps the sum exact); an edge
    // moved to another merchant leaves the first and joins the second.
    private const string KeptTotals = """
        CREATE TABLE IF NOT EXISTS graph_totals (id INTEGER PRIMARY KEY CHECK (id = 1), cards INTEGER NOT NULL);
        INSERT OR IGNORE INTO graph_totals (id, cards) VALUES (1, 0);
        CREATE TABLE IF NOT EXISTS merchant_totals (
            merchant_id INTEGER PRIMARY KEY, transactions INTEGER NOT NULL, total_amount REAL NOT NULL,
            alerts INTEGER NOT NULL, labelled_fraud INTEGER NOT NULL, labelled_genuine INTEGER NOT NULL);
        CREATE TRIGGER IF NOT EXISTS cards_counted AFTER INSERT ON cards BEGIN
            UPDATE graph_totals SET cards = cards + 1;
        END;
        CREATE TRIGGER IF NOT EXISTS cards_uncounted AFTER DELETE ON cards BEGIN
            UPDATE graph_totals SET cards = cards - 1;
        END;
        CREATE TRIGGER IF NOT EXISTS merchants_counted AFTER INSERT ON merchants BEGIN
            INSERT OR IGNORE INTO merchant_totals VALUES (NEW.id, 0, 0.0, 0, 0, 0);
        END;
        CREATE TRIGGER IF NOT EXISTS merchants_uncounted AFTER DELETE ON merchants BEGIN
            DELETE FROM merchant_totals WHERE merchant_id = OLD.id;
        END;
        CREATE TRIGGER IF NOT EXISTS edges_counted AFTER INSERT ON edges BEGIN
            UPDATE merchant_totals SET transactions = transactions + 1, total_amount = total_amount + NEW.amt,
                alerts = alerts + NEW.is_alert, labelled_fraud = labelled_fraud + (NEW.is_fraud IS 1),
                labelled_genuine = labelled_genuine + (NEW.is_fraud IS 0)
            WHERE merchant_id = NEW.merchant_id;
        END;
        CREATE TRIGGER IF NOT EXISTS edges_uncounted AFTER DELETE ON edges BEGIN
            UPDATE merchant_totals SET transactions = transactions - 1, total_amount = total_amount - OLD.amt,
                alerts = alerts - OLD.is_alert, labelled_fraud = labelled_fraud - (OLD.is_fraud IS 1),
                labelled_genuine = labelled_genuine - (OLD.is_fraud IS 0)
            WHERE merchant_id = OLD.merchant_id;
        END;
        CREATE TRIGGER IF NOT EXISTS edges_recounted AFTER UPDATE OF merchant_id, amt, is_alert, is_fraud ON edges
        WHEN OLD.merchant_id = NEW.merchant_id BEGIN
            UPDATE merchant_totals SET total_amount = total_amount + (NEW.amt - OLD.amt), alerts = alerts - OLD.is_alert + NEW.is_alert,
                labelled_fraud = labelled_fraud - (OLD.is_fraud IS 1) + (NEW.is_fraud IS 1),
                labelled_genuine = labelled_genuine - (OLD.is_fraud IS 0) + (NEW.is_fraud IS 0)
            WHERE merchant_id = NEW.merchant_id;
        END;
        CREATE TRIGGER IF NOT EXISTS edges_moved AFTER UPDATE OF merchant_id ON edges
        WHEN OLD.merchant_id <> NEW.merchant_id BEGIN
            UPDATE merchant_totals SET transactions = transactions - 1, total_amount = total_amount - OLD.amt,
                alerts = alerts - OLD.is_alert, labelled_fraud = labelled_fraud - (OLD.is_fraud IS 1),
                labelled_genuine = labelled_genuine - (OLD.is_fraud IS 0)
            WHERE merchant_id = OLD.merchant_id;
            UPDATE merchant_totals SET transactions = transactions + 1, total_amount = total_amount + NEW.amt,
                alerts = alerts + NEW.is_alert, labelled_fraud = labelled_fraud + (NEW.is_fraud IS 1),
                labelled_genuine = labelled_genuine + (NEW.is_fraud IS 0)
            WHERE merchant_id = NEW.merchant_id;
        END;
        """;

    // Every migration ends by counting the kept totals from the tables as they are (a row for every merchant).
    private const string Recount = """

        DELETE FROM graph_totals;
        INSERT INTO graph_totals (id, cards) SELECT 1, COUNT(*) FROM cards;
        DELETE FROM merchant_totals;
        INSERT INTO merchant_totals
            SELECT m.id, COUNT(e.id), COALESCE(SUM(e.amt), 0.0), COALESCE(SUM(e.is_alert), 0), COALESCE(SUM(e.is_fraud IS 1), 0),
                   COALESCE(SUM(e.is_fraud IS 0), 0)
            FROM merchants m LEFT JOIN edges e ON e.merchant_id = m.id GROUP BY m.id;
        """;

    // Version 3 → 4: the kept totals added and counted.
    public const string MigrateFromVersion3 = Schema + Recount;

    /// <summary>The file's layout: 1 when it holds the version-1 table <c>transactions</c> (which set no user_version), else <c>PRAGMA user_version</c> (0: a new file).</summary>
    public const string LayoutVersion = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'transactions') THEN 1
                    ELSE (SELECT user_version FROM pragma_user_version) END
        """;

    // Version 2 → 3 in one transaction: the identity constraint is part of the table, so the table is rebuilt (ids
    // kept). The view goes first, or the rename would point it at the old table.
    public const string MigrateFromVersion2 = """
        DROP VIEW IF EXISTS transactions;
        ALTER TABLE edges RENAME TO edges_v2;
        DROP INDEX IF EXISTS edges_ts;
        DROP INDEX IF EXISTS edges_alerted_ts;
        """ + Schema + """

        INSERT INTO edges (id, cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
            SELECT id, cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long
            FROM edges_v2 ORDER BY id;
        DROP TABLE edges_v2;
        """ + Recount;

    // Version 1 → 3 in one transaction: nothing is lost, and a failure leaves version 1 as it was.
    public const string MigrateFromVersion1 = """
        ALTER TABLE merchants RENAME TO merchants_v1;
        ALTER TABLE transactions RENAME TO transactions_v1;
        DROP INDEX IF EXISTS transactions_card_ts;
        DROP INDEX IF EXISTS transactions_merchant_ts;
        DROP INDEX IF EXISTS transactions_ts;
        DROP INDEX IF EXISTS transactions_alerted_ts;
        DROP INDEX IF EXISTS transactions_alert_ts;
        """ + Schema + """

        INSERT INTO merchants (name, lat, long, category) SELECT name, lat, long, category FROM merchants_v1 ORDER BY rowid;
        INSERT INTO edges (cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
            SELECT t.cc_num, t.ts, t.trans_num, m.id, t.time, t.amt, t.category, t.is_fraud, t.score, t.model_version, t.is_alert, t.merch_lat, t.merch_long
            FROM transactions_v1 t JOIN merchants m ON m.name = t.merchant ORDER BY t.ts, t.trans_num;
        DROP TABLE transactions_v1;
        DROP TABLE merchants_v1;
        """ + Recount;

    // Nodes keep the properties they were created with (Cypher's MERGE ... ON CREATE SET).
    public const string MergeCard = """
        INSERT INTO cards (cc_num, first, last, gender, street, city, state, zip, lat, long, city_pop, job, dob)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        ON CONFLICT (cc_num) DO NOTHING
        """;

    public const string MergeMerchant = """
        INSERT INTO merchants (name, lat, long, category) VALUES (?1, ?2, ?3, ?4)
        ON CONFLICT (name) DO NOTHING
        """;

    public const string MerchantId = "SELECT id FROM merchants WHERE name = ?1";

    public const string MerchantIds = "SELECT id, name FROM merchants";

    // The edge's identity is (time, trans_num): a transaction's time never changes between deliveries.
    // It takes the latest delivery's properties (Cypher's MERGE ... SET); an unchanged re-delivery writes nothing.
    public const string MergeEdge = """
        INSERT INTO edges (cc_num, ts, trans_num, merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        ON CONFLICT (ts, trans_num) DO UPDATE SET
            merchant_id = excluded.merchant_id, time = excluded.time, amt = excluded.amt, category = excluded.category,
            is_fraud = excluded.is_fraud, score = excluded.score, model_version = excluded.model_version,
            is_alert = excluded.is_alert, merch_lat = excluded.merch_lat, merch_long = excluded.merch_long
        WHERE (merchant_id, time, amt, category, is_fraud, score, model_version, is_alert, merch_lat, merch_long)
            IS NOT (excluded.merchant_id, excluded.time, excluded.amt, excluded.category, excluded.is_fraud, excluded.score,
                    excluded.model_version, excluded.is_alert, excluded.merch_lat, excluded.merch_long)
        """;

    public const string Totals =
        "SELECT cards, (SELECT COUNT(*) FROM merchant_totals), (SELECT COALESCE(SUM(transactions), 0) FROM merchant_totals) FROM graph_totals";

    private const string TransactionColumns =
        "t.trans_num, t.time, t.cc_num, t.merchant, t.category, t.amt, t.score, t.is_alert, t.is_fraud, t.model_version";

    /// <summary>The newest verdict on a transaction wins (learned_at is UTC ISO-8601, so it sorts as text).</summary>
    public const string UpsertLabel = """
        INSERT INTO labels (trans_num, ts, card_id, label, source, learned_at) VALUES ($trans_num, $ts, $card_id, $label, $source, $learned_at)
        ON CONFLICT (trans_num) DO UPDATE SET ts = excluded.ts, card_id = excluded.card_id, label = excluded.label,
            source = excluded.source, learned_at = excluded.learned_at
        WHERE excluded.learned_at >= labels.learned_at
        """;

    /// <summary>Verdicts, newest first, each with its edge when the graph has it (found by its identity (ts, trans_num)).</summary>
    public const string LatestLabels = """
        SELECT l.trans_num, l.card_id, l.label, l.source, l.learned_at, e.score, e.is_alert, e.amt, m.name
        FROM labels l LEFT JOIN edges e ON e.ts = l.ts AND e.trans_num = l.trans_num LEFT JOIN merchants m ON m.id = e.merchant_id
        ORDER BY l.learned_at DESC, l.trans_num LIMIT $limit
        """;

    public const string LatestTransactions =
        "SELECT " + TransactionColumns + " FROM transactions t ORDER BY t.ts DESC, t.trans_num DESC LIMIT $limit";

    public const string MerchantsByVolume = """
        SELECT m.name, t.transactions, t.total_amount FROM merchant_totals t JOIN merchants m ON m.id = t.merchant_id
        WHERE t.transactions > 0 ORDER BY t.transactions DESC, m.name ASC LIMIT $limit
        """;

    public const string FraudCounts = """
        SELECT COALESCE(SUM(transactions), 0), COALESCE(SUM(alerts), 0), COALESCE(SUM(labelled_fraud), 0),
               COALESCE(SUM(labelled_genuine), 0)
        FROM merchant_totals
        """;

    public const string FraudByMerchant = """
        SELECT m.name, t.alerts, t.labelled_fraud, t.transactions FROM merchant_totals t JOIN merchants m ON m.id = t.merchant_id
        WHERE t.alerts > 0 OR t.labelled_fraud > 0 ORDER BY t.alerts DESC, t.labelled_fraud DESC, m.name ASC LIMIT $limit
        """;

    // CAST truncates like Cypher's toInteger (amounts are not negative).
    public const string AmountDistribution = """
        SELECT MIN(CAST(amt / $width AS INTEGER), $last_bin) AS bin, COUNT(*), SUM(is_alert)
        FROM transactions GROUP BY bin ORDER BY bin
        """;

    public const string FraudGeoPoints = """
        SELECT trans_num, time, merch_lat, merch_long, amt, score, merchant, cc_num FROM transactions
        WHERE is_alert = 1 ORDER BY ts DESC, trans_num DESC LIMIT $limit
        """;

    public const string Card = "SELECT cc_num, city, state FROM cards WHERE cc_num = $cc_num";

    public const string CardTransactions =
        "SELECT " + TransactionColumns + " FROM transactions t WHERE t.cc_num = $cc_num AND t.ts >= $from AND t.ts < $to ORDER BY t.ts, t.trans_num";

    // One pass over the window's edges, kept to the card's merchants by a set lookup: no per-merchant index has to be
    // maintained on every write (it cost more than all the rest of an edge's indexing past a few hundred thousand edges).
    public const string CardMerchants = """
        WITH mine AS (SELECT merchant_id, COUNT(*) AS card_transactions FROM edges
                      WHERE cc_num = $cc_num AND ts >= $from AND ts < $to GROUP BY merchant_id),
        others AS (SELECT o.merchant_id, COUNT(DISTINCT o.cc_num) AS other_cards,
                          COUNT(DISTINCT CASE WHEN o.is_alert = 1 THEN o.cc_num END) AS alerted_other_cards
                   FROM edges o
                   WHERE o.ts >= $from AND o.ts < $to AND o.cc_num <> $cc_num
                     AND o.merchant_id IN (SELECT merchant_id FROM mine)
                   GROUP BY o.merchant_id)
        SELECT m.name, mine.card_transactions, COALESCE(others.other_cards, 0), COALESCE(others.alerted_other_cards, 0)
        FROM mine
        JOIN merchants m ON m.id = mine.merchant_id
        LEFT JOIN others ON others.merchant_id = mine.merchant_id
        ORDER BY m.name
        """;

    public const string MerchantsSharedByAlertedCards = """
        WITH alerted AS (SELECT DISTINCT cc_num FROM transactions WHERE is_alert = 1 AND ts >= $from AND ts < $to)
        SELECT t.merchant, COUNT(DISTINCT t.cc_num) AS alerted_cards, SUM(t.is_alert) AS alerts_here
        FROM transactions t JOIN alerted a ON a.cc_num = t.cc_num
        WHERE t.ts >= $from AND t.ts < $to
        GROUP BY t.merchant HAVING alerted_cards >= $min_cards
        ORDER BY alerted_cards DESC, alerts_here DESC, t.merchant ASC LIMIT $limit
        """;

    // Consecutive pairs come from LAG over each card's transactions; the distance is computed in C#.
    public const string ConsecutiveTransactions = """
        SELECT cc_num, prev_trans_num, prev_time, prev_merchant, prev_lat, prev_long, prev_ts,
               trans_num, time, merchant, merch_lat, merch_long, ts
        FROM (SELECT cc_num, trans_num, time, merchant, merch_lat, merch_long, ts,
                     LAG(trans_num) OVER w AS prev_trans_num, LAG(time) OVER w AS prev_time,
                     LAG(merchant) OVER w AS prev_merchant, LAG(merch_lat) OVER w AS prev_lat,
                     LAG(merch_long) OVER w AS prev_long, LAG(ts) OVER w AS prev_ts
              FROM transactions WHERE ts >= $from AND ts < $to
              WINDOW w AS (PARTITION BY cc_num ORDER BY ts, trans_num))
        WHERE prev_trans_num IS NOT NULL
        """;
}
