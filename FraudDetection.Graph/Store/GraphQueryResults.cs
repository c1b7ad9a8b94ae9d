using System.Text.Json.Serialization;

namespace FraudDetection.Graph.Store;

// Answers of the graph query set. Cards appear only masked to their last 4 digits (Card) and as the
// pseudonymous CardId; the full number never leaves the store.

/// <summary>Nodes and edges in the graph.</summary>
public sealed record GraphTotals(
    [property: JsonPropertyName("cards")] long Cards,
    [property: JsonPropertyName("merchants")] long Merchants,
    [property: JsonPropertyName("transactions")] long Transactions);

/// <summary>A TRANSACTION edge with its prediction (the KB "latest transactions" panel, and a card's neighbourhood).</summary>
public sealed record GraphTransaction(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("card")] string Card,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("amt")] double Amt,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("is_alert")] bool IsAlert,
    [property: JsonPropertyName("is_fraud")] int? IsFraud,
    [property: JsonPropertyName("model_version")] string ModelVersion);

/// <summary>A verdict learned after scoring and, when the graph holds it, the transaction it is about.</summary>
public sealed record GraphLabel(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("learned_at")] string LearnedAt,
    [property: JsonPropertyName("on_graph")] bool OnGraph,
    [property: JsonPropertyName("score")] double? Score,
    [property: JsonPropertyName("is_alert")] bool? IsAlert,
    [property: JsonPropertyName("amt")] double? Amt,
    [property: JsonPropertyName("merchant")] string? Merchant);

public sealed record MerchantVolume(
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("transactions")] long Transactions,
    [property: JsonPropertyName("total_amount")] double TotalAmount);

/// <summary>Predicted (alerts) and labelled (is_fraud, where the data has it) fraud counts.</summary>
public sealed record FraudCounts(
    [property: JsonPropertyName("transactions")] long Transactions,
    [property: JsonPropertyName("alerts")] long Alerts,
    [property: JsonPropertyName("not_alerts")] long NotAlerts,
    [property: JsonPropertyName("labelled_fraud")] long LabelledFraud,
    [property: JsonPropertyName("labelled_not_fraud")] long LabelledNotFraud);

public sealed record MerchantFraud(
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("alerts")] long Alerts,
    [property: JsonPropertyName("labelled_fraud")] long LabelledFraud,
    [property: JsonPropertyName("transactions")] long Transactions);

/// <summary>Transactions with <c>From ≤ amt &lt; To</c>; the last bin is open (<c>To</c> null).</summary>
public sealed record AmountBin(
    [property: JsonPropertyName("from")] double From,
    [property: JsonPropertyName("to")] double? To,
    [property: JsonPropertyName("transactions")] long Transactions,
    [property: JsonPropertyName("alerts")] long Alerts);

/// <summary>Where an alerted transaction happened (merchant coordinates of that transaction).</summary>
public sealed record FraudGeoPoint(
    [property: JsonPropertyName("trans_num")] string TransNum,
    [property: JsonPropertyName("time")] string Time,
    [property: JsonPropertyName("lat")] double Lat,
    [property: JsonPropertyName("long")] double Long,
    [property: JsonPropertyName("amt")] double Amt,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("card")] string Card);

/// <summary>A merchant the card used in the window, and who else did.</summary>
public sealed record NeighbourMerchant(
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("card_transactions")] long CardTransactions,
    [property: JsonPropertyName("other_cards")] long OtherCards,
    [property: JsonPropertyName("alerted_other_cards")] long AlertedOtherCards);

/// <summary>A card, its transactions in a window, and the merchants they reach.</summary>
public sealed record CardNeighbourhood(
    [property: JsonPropertyName("card")] string Card,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("city")] string City,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("transactions")] IReadOnlyList<GraphTransaction> Transactions,
    [property: JsonPropertyName("merchants")] IReadOnlyList<NeighbourMerchant> Merchants);

/// <summary>A merchant used by many cards that had an alert in the window (common point of compromise / collusion).</summary>
public sealed record SharedMerchant(
    [property: JsonPropertyName("merchant")] string Merchant,
    [property: JsonPropertyName("alerted_cards")] long AlertedCards,
    [property: JsonPropertyName("alerts_here")] long AlertsHere);

/// <summary>Two consecutive transactions of one card further apart than an airliner could fly in the time between.</summary>
public sealed record ImpossibleTravel(
    [property: JsonPropertyName("card")] string Card,
    [property: JsonPropertyName("card_id")] string CardId,
    [property: JsonPropertyName("from_trans_num")] string FromTransNum,
    [property: JsonPropertyName("from_time")] string FromTime,
    [property: JsonPropertyName("from_merchant")] string FromMerchant,
    [property: JsonPropertyName("to_trans_num")] string ToTransNum,
    [property: JsonPropertyName("to_time")] string ToTime,
    [property: JsonPropertyName("to_merchant")] string ToMerchant,
    [property: JsonPropertyName("distance_km")] double DistanceKm,
    [property: JsonPropertyName("seconds")] long Seconds,
    [property: JsonPropertyName("speed_kmh")] double SpeedKmh);
