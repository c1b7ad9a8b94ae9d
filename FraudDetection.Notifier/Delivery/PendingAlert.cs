namespace FraudDetection.Notifier.Delivery;

/// <summary>An alert waiting for delivery, with where it came from (<paramref name="Source"/>: the Kafka offset to acknowledge).</summary>
public sealed record PendingAlert(FraudAlert Alert, string? TraceParent, DateTimeOffset ReceivedAt, object? Source = null);
