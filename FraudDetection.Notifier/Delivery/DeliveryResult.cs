namespace FraudDetection.Notifier.Delivery;

public enum DeliveryOutcome
{
    /// <summary>The provider took the message.</summary>
    Sent,

    /// <summary>Retrying will not help here, another channel may (quota, unreachable recipient).</summary>
    UseFallback,

    /// <summary>The provider refused the message itself: dead-letter it with the provider's answer.</summary>
    Permanent,

    /// <summary>The channel cannot send now (down after retries, token refused): keep the alert, never drop it.</summary>
    Unavailable,
}

/// <summary>What one channel made of one message; <paramref name="Code"/> is the provider's code (e.g. Kakao's -532).</summary>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string Channel, string Code, string Message)
{
    public static DeliveryResult Sent(string channel) => new(DeliveryOutcome.Sent, channel, "0", "sent");
}
