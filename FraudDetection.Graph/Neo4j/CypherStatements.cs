namespace FraudDetection.Graph.Neo4j;

/// <summary>Every Cypher statement of the graph, in one place, all parameterised (<c>$name</c>).</summary>
public static class CypherStatements
{
    /// <summary>Run one by one at start; each is a no-op when it exists (relationship uniqueness needs Neo4j 5.7+).</summary>
    public static IReadOnlyList<string> Schema { get; } =
    [
        "CREATE CONSTRAINT card_cc_num IF NOT EXISTS FOR (c:Card) REQUIRE c.cc_num IS UNIQUE",
        "CREATE CONSTRAINT merchant_name IF NOT EXISTS FOR (m:Merchant) REQUIRE m.name IS UNIQUE",
        "CREATE CONSTRAINT transaction_trans_num IF NOT EXISTS FOR ()-[t:TRANSACTION]-() REQUIRE t.trans_num IS UNIQUE",
        "CREATE INDEX transaction_ts IF NOT EXISTS FOR ()-[t:TRANSACTION]-() ON (t.ts)",
        "CREATE CONSTRAINT label_trans_num IF NOT EXISTS FOR (l:Label) REQUIRE l.trans_num IS UNIQUE",
    ];

    /// <summary>
    /// Parameter <c>$rows</c>: verdicts (trans_num, card_id, label, source, learned_at). A <c>Label</c> node per
    /// transaction keeps the newest verdict (it may come before the edge is written); the edge, when there, gets
    /// <c>label</c>, <c>label_source</c> and <c>label_learned_at</c>.
    /// </summary>
    public const string MergeLabels = """
        UNWIND $rows AS row
        MERGE (l:Label {trans_num: row.trans_num})
        WITH l, row WHERE l.learned_at IS NULL OR row.learned_at >= l.learned_at
        SET l.card_id = row.card_id, l.label = row.label, l.source = row.source, l.learned_at = row.learned_at
        WITH l, row
        OPTIONAL MATCH ()-[t:TRANSACTION {trans_num: row.trans_num}]->()
        FOREACH (edge IN CASE WHEN t IS NULL THEN [] ELSE [t] END |
          SET edge.label = row.label, edge.label_source = row.source, edge.label_learned_at = row.learned_at)
        RETURN count(l) AS labelled
        """;

    public const string LatestLabels = """
        MATCH (l:Label)
        OPTIONAL MATCH (:Card)-[t:TRANSACTION {trans_num: l.trans_num}]->(m:Merchant)
        RETURN l.trans_num AS trans_num, l.card_id AS card_id, l.label AS label, l.source AS source, l.learned_at AS learned_at,
               t.score AS score, t.is_alert AS is_alert, t.amt AS amt, m.name AS merchant
        ORDER BY l.learned_at DESC, l.trans_num LIMIT $limit
        """;

    /// <summary>Parameter <c>$rows</c>: a list of <see cref="GraphEdge"/>. MERGE on trans_num: re-delivery updates, never duplicates.</summary>
    public const string MergeEdges = """
        UNWIND $rows AS row
        MERGE (c:Card {cc_num: row.cc_num})
          ON CREATE SET c.first = row.first, c.last = row.last, c.gender = row.gender, c.street = row.street,
                        c.city = row.city, c.state = row.state, c.zip = row.zip, c.lat = row.lat, c.long = row.long,
                        c.city_pop = row.city_pop, c.job = row.job, c.dob = row.dob
        MERGE (m:Merchant {name: row.merchant})
          ON CREATE SET m.lat = row.merch_lat, m.long = row.merch_long, m.category = row.category
        MERGE (c)-[t:TRANSACTION {trans_num: row.trans_num}]->(m)
        SET t.time = row.time, t.ts = row.ts, t.amt = row.amt, t.category = row.category, t.is_fraud = row.is_fraud,
            t.score = row.score, t.model_version = row.model_version, t.is_alert = row.is_alert,
            t.merch_lat = row.merch_lat, t.merch_long = row.merch_long
        RETURN count(t) AS written
        """;

    // Each count alone on its pattern, with at most one label, so Neo4j answers it from its count store in constant
    // time (a TRANSACTION always runs from a Card to a Merchant): the web reads the totals every 2 s.
    public const string Totals = """
        CALL { MATCH (c:Card) RETURN count(c) AS cards }
        CALL { MATCH (m:Merchant) RETURN count(m) AS merchants }
        CALL { MATCH ()-[t:TRANSACTION]->() RETURN count(t) AS transactions }
        RETURN cards, merchants, transactions
        """;

    private const string TransactionColumns = """
        t.trans_num AS trans_num, t.time AS time, c.cc_num AS cc_num, m.name AS merchant, t.category AS category,
        t.amt AS amt, t.score AS score, t.is_alert AS is_alert, t.is_fraud AS is_fraud, t.model_version AS model_version
        """;

    public const string LatestTransactions =
        "MATCH (c:Card)-[t:TRANSACTION]->(m:Merchant)\nRETURN " + TransactionColumns + "\nORDER BY t.ts DESC, t.trans_num DESC LIMIT $limit";

    public const string MerchantsByVolume = """
        MATCH (:Card)-[t:TRANSACTION]->(m:Merchant)
        RETURN m.name AS merchant, count(t) AS transactions, sum(t.amt) AS total_amount
        ORDER BY transactions DESC, merchant ASC LIMIT $limit
        """;

    public const string FraudCounts = """
        MATCH (:Card)-[t:TRANSACTION]->(:Merchant)
        RETURN count(t) AS transactions,
               sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts,
               sum(CASE WHEN t.is_fraud = 1 THEN 1 ELSE 0 END) AS labelled_fraud,
               sum(CASE WHEN t.is_fraud = 0 THEN 1 ELSE 0 END) AS labelled_not_fraud
        """;

    public const string FraudByMerchant = """
        MATCH (:Card)-[t:TRANSACTION]->(m:Merchant)
        WITH m.name AS merchant, sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts,
             sum(CASE WHEN t.is_fraud = 1 THEN 1 ELSE 0 END) AS labelled_fraud, count(t) AS transactions
        WHERE alerts > 0 OR labelled_fraud > 0
        RETURN merchant, alerts, labelled_fraud, transactions
        ORDER BY alerts DESC, labelled_fraud DESC, merchant ASC LIMIT $limit
        """;

    public const string AmountDistribution = """
        MATCH (:Card)-[t:TRANSACTION]->(:Merchant)
        WITH CASE WHEN toInteger(t.amt / $width) > $last_bin THEN $last_bin ELSE toInteger(t.amt / $width) END AS bin, t
        RETURN bin, count(t) AS transactions, sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts
        ORDER BY bin
        """;

    public const string FraudGeoPoints = """
        MATCH (c:Card)-[t:TRANSACTION]->(m:Merchant)
        WHERE t.is_alert
        RETURN t.trans_num AS trans_num, t.time AS time, t.merch_lat AS lat, t.merch_long AS long, t.amt AS amt,
               t.score AS score, m.name AS merchant, c.cc_num AS cc_num
        ORDER BY t.ts DESC, t.trans_num DESC LIMIT $limit
        """;

    public const string Card = "MATCH (c:Card {cc_num: $cc_num}) RETURN c.cc_num AS cc_num, c.city AS city, c.state AS state";

    public const string CardTransactions =
        "MATCH (c:Card {cc_num: $cc_num})-[t:TRANSACTION]->(m:Merchant)\nWHERE t.ts >= $from AND t.ts < $to\nRETURN "
        + TransactionColumns + "\nORDER BY t.ts, t.trans_num";

    public const string CardMerchants = """
        MATCH (c:Card {cc_num: $cc_num})-[t:TRANSACTION]->(m:Merchant)
        WHERE t.ts >= $from AND t.ts < $to
        WITH m, count(t) AS card_transactions
        OPTIONAL MATCH (o:Card)-[u:TRANSACTION]->(m)
        WHERE o.cc_num <> $cc_num AND u.ts >= $from AND u.ts < $to
        WITH m, card_transactions, o, max(CASE WHEN u.is_alert THEN 1 ELSE 0 END) AS alerted
        RETURN m.name AS merchant, card_transactions, count(o) AS other_cards,
               sum(CASE WHEN o IS NULL THEN 0 ELSE alerted END) AS alerted_other_cards
        ORDER BY merchant
        """;

    public const string MerchantsSharedByAlertedCards = """
        MATCH (a:Card)-[x:TRANSACTION]->(:Merchant)
        WHERE x.is_alert AND x.ts >= $from AND x.ts < $to
        WITH DISTINCT a
        MATCH (a)-[t:TRANSACTION]->(m:Merchant)
        WHERE t.ts >= $from AND t.ts < $to
        WITH m.name AS merchant, count(DISTINCT a) AS alerted_cards, sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts_here
        WHERE alerted_cards >= $min_cards
        RETURN merchant, alerted_cards, alerts_here
        ORDER BY alerted_cards DESC, alerts_here DESC, merchant ASC LIMIT $limit
        """;

    // Same haversine (sphere of radius 6371.0088 km) as Core.Geo.GeoDistance; under one second counts as one second.
    public const string ImpossibleTravel = """
        MATCH (c:Card)-[t:TRANSACTION]->(m:Merchant)
        WHERE t.ts >= $from AND t.ts < $to
        WITH c, t, m ORDER BY t.ts, t.trans_num
        WITH c, collect({t: t, merchant: m.name}) AS seq
        UNWIND range(0, size(seq) - 2) AS i
        WITH c, seq[i] AS a, seq[i + 1] AS b
        WITH c, a, b, b.t.ts - a.t.ts AS seconds,
             2 * 6371.0088 * asin(sqrt(haversin(radians(b.t.merch_lat - a.t.merch_lat))
               + cos(radians(a.t.merch_lat)) * cos(radians(b.t.merch_lat)) * haversin(radians(b.t.merch_long - a.t.merch_long)))) AS km
        WITH c, a, b, seconds, km, km / ((CASE WHEN seconds < 1 THEN 1 ELSE seconds END) / 3600.0) AS kmh
        WHERE kmh > $speed_kmh
        RETURN c.cc_num AS cc_num, a.t.trans_num AS from_trans_num, a.t.time AS from_time, a.merchant AS from_merchant,
               b.t.trans_num AS to_trans_num, b.t.time AS to_time, b.merchant AS to_merchant,
               km AS distance_km, seconds, kmh AS speed_kmh
        ORDER BY speed_kmh DESC, from_trans_num ASC LIMIT $limit
        """;

    /// <summary>
    /// The "Graph" Grafana dashboard's panel queries (deploy/grafana/dashboards/graph.json; a test keeps them equal).
    /// The Neo4j datasource plugin takes no parameters, so limits are literals here.
    /// </summary>
    public static IReadOnlyDictionary<string, string> GrafanaPanels { get; } = new Dictionary<string, string>
    {
        ["LatestTransactions"] =
            "MATCH (c:Card)-[t:TRANSACTION]->(m:Merchant) RETURN t.time AS time, '****' + right(toString(c.cc_num), 4) AS card, "
            + "m.name AS merchant, t.category AS category, t.amt AS amount, t.score AS score, "
            + "CASE WHEN t.is_alert THEN 'fraud' ELSE 'not fraud' END AS prediction, t.is_fraud AS label "
            + "ORDER BY t.ts DESC, t.trans_num DESC LIMIT 20",
        ["MerchantsByVolume"] =
            "MATCH (:Card)-[t:TRANSACTION]->(m:Merchant) RETURN m.name AS merchant, count(t) AS transactions "
            + "ORDER BY transactions DESC, merchant ASC LIMIT 10",
        ["FraudVsNotFraud"] =
            "MATCH (:Card)-[t:TRANSACTION]->(:Merchant) RETURN sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS fraud, "
            + "sum(CASE WHEN t.is_alert THEN 0 ELSE 1 END) AS not_fraud",
        ["FraudByMerchant"] =
            "MATCH (:Card)-[t:TRANSACTION]->(m:Merchant) WHERE t.is_alert RETURN m.name AS merchant, count(t) AS alerts "
            + "ORDER BY alerts DESC, merchant ASC LIMIT 10",
        ["AmountDistribution"] =
            "MATCH (:Card)-[t:TRANSACTION]->(:Merchant) "
            + "WITH CASE WHEN toInteger(t.amt / 50) > 20 THEN 20 ELSE toInteger(t.amt / 50) END AS bin, t "
            + "WITH bin, count(t) AS transactions, sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts "
            + "RETURN CASE WHEN bin = 20 THEN '1000+' ELSE toString(bin * 50) + '-' + toString(bin * 50 + 50) END AS amount, "
            + "transactions, alerts ORDER BY bin",
        ["FraudGeomap"] =
            "MATCH (:Card)-[t:TRANSACTION]->(m:Merchant) WHERE t.is_alert RETURN t.merch_lat AS latitude, t.merch_long AS longitude, "
            + "t.amt AS amount, t.score AS score, m.name AS merchant, t.time AS time ORDER BY t.ts DESC, t.trans_num DESC LIMIT 500",
        ["MerchantsSharedByAlertedCards"] =
            "MATCH (a:Card)-[x:TRANSACTION]->(:Merchant) WHERE x.is_alert WITH DISTINCT a "
            + "MATCH (a)-[t:TRANSACTION]->(m:Merchant) WITH m.name AS merchant, count(DISTINCT a) AS alerted_cards, "
            + "sum(CASE WHEN t.is_alert THEN 1 ELSE 0 END) AS alerts_here WHERE alerted_cards >= 2 "
            + "RETURN merchant, alerted_cards, alerts_here ORDER BY alerted_cards DESC, alerts_here DESC, merchant ASC LIMIT 20",
        ["ImpossibleTravel"] =
            "MATCH (c:Card)-[t:TRANSACTION]->(m:Merchant) WITH c, t, m ORDER BY t.ts, t.trans_num "
            + "WITH c, collect({t: t, merchant: m.name}) AS seq UNWIND range(0, size(seq) - 2) AS i "
            + "WITH c, seq[i] AS a, seq[i + 1] AS b "
            + "WITH c, a, b, b.t.ts - a.t.ts AS seconds, 2 * 6371.0088 * asin(sqrt(haversin(radians(b.t.merch_lat - a.t.merch_lat)) "
            + "+ cos(radians(a.t.merch_lat)) * cos(radians(b.t.merch_lat)) * haversin(radians(b.t.merch_long - a.t.merch_long)))) AS km "
            + "WITH c, a, b, seconds, km, km / ((CASE WHEN seconds < 1 THEN 1 ELSE seconds END) / 3600.0) AS kmh WHERE kmh > 900 "
            + "RETURN '****' + right(toString(c.cc_num), 4) AS card, a.t.time AS from_time, a.merchant AS from_merchant, "
            + "b.t.time AS to_time, b.merchant AS to_merchant, round(km, 1) AS km, seconds, round(kmh) AS kmh "
            + "ORDER BY kmh DESC LIMIT 20",
    };

    /// <summary>Empties the graph (tests against a throwaway database only).</summary>
    public const string DeleteGraph = "MATCH (n) WHERE n:Card OR n:Merchant DETACH DELETE n";
}
