using FraudDetection.Notifier.Messages;

namespace FraudDetection.Notifier.Delivery;

/// <summary>A way to reach the card holder (Kakao, webhook, dry-run outbox).</summary>
public interface INotificationChannel
{
    string Name { get; }

    Task<DeliveryResult> SendAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>Where alerts no channel took go (<see cref="Topics.NotificationsDeadLetter"/> in production).</summary>
public interface INotificationDeadLetterSink
{
    Task PublishAsync(IReadOnlyList<NotificationDeadLetter> deadLetters, CancellationToken cancellationToken);
}

/// <summary>The channels in use, resolved once from configuration.</summary>
public sealed record NotificationChannels(INotificationChannel Primary, INotificationChannel? Fallback);
