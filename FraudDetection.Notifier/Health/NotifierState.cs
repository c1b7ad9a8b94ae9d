namespace FraudDetection.Notifier.Health;

/// <summary>What the consumer loop reports about itself (for the <c>notifier</c> health check and the status API).</summary>
public sealed class NotifierState
{
    public volatile string? FatalError;
    public volatile bool Consuming;
    public volatile int Pending;
}
