using System.Text.Json.Serialization;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Messaging;

/// <summary>Source-generated JSON for every topic contract (hot paths use this, never reflection).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(Transaction))]
[JsonSerializable(typeof(ScoredTransaction))]
[JsonSerializable(typeof(FraudAlert))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(NotificationDeadLetter))]
[JsonSerializable(typeof(FraudLabel))]
public sealed partial class FraudJsonContext : JsonSerializerContext;
