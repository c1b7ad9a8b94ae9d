using Confluent.Kafka;
using FraudDetection.Notifier.Kafka;

namespace FraudDetection.Tests.Notifier;

public sealed class OffsetTrackerTests
{
    private static readonly TopicPartition P0 = new("fraud.alerts", 0);
    private static readonly TopicPartition P1 = new("fraud.alerts", 1);

    [Fact]
    public void Commits_only_up_to_the_lowest_alert_still_waiting()
    {
        var tracker = new OffsetTracker();
        for (var offset = 10; offset <= 14; offset++)
        {
            tracker.Track(new TopicPartitionOffset(P0, offset));
        }
        tracker.Track(new TopicPartitionOffset(P1, 3));

        tracker.Complete(new TopicPartitionOffset(P0, 12));
        tracker.Complete(new TopicPartitionOffset(P0, 13));
        tracker.Complete(new TopicPartitionOffset(P1, 3));
        tracker.Committable().Should().BeEquivalentTo([new TopicPartitionOffset(P0, 10), new TopicPartitionOffset(P1, 4)],
            "10 still waits (e.g. coalescing), so 12 and 13 must not be committed past it");
        tracker.MarkCommitted(tracker.Committable());
        tracker.Committable().Should().BeEmpty("nothing moved");

        tracker.Complete(new TopicPartitionOffset(P0, 10));
        tracker.Committable().Should().Equal(new TopicPartitionOffset(P0, 11));
        tracker.Complete(new TopicPartitionOffset(P0, 11));
        tracker.Complete(new TopicPartitionOffset(P0, 14));
        tracker.Committable().Should().Equal(new TopicPartitionOffset(P0, 15));
        tracker.Waiting.Should().Be(0);
    }

    [Fact]
    public void Settled_only_once_nothing_waits_and_every_offset_read_is_committed()
    {
        var tracker = new OffsetTracker();
        tracker.Settled.Should().BeTrue("nothing was read");

        tracker.Track(new TopicPartitionOffset(P0, 7));
        tracker.Settled.Should().BeFalse("7 waits for delivery");
        tracker.Complete(new TopicPartitionOffset(P0, 7));
        tracker.Settled.Should().BeFalse("7 is delivered but not committed");
        tracker.MarkCommitted(tracker.Committable());
        tracker.Settled.Should().BeTrue();
        tracker.Committable().Should().BeEmpty();
    }

    [Fact]
    public void The_notifier_polls_every_100_ms_while_alerts_or_offsets_wait_and_every_second_when_settled()
    {
        AlertConsumerWorker.PollTimeoutFor(pendingAlerts: 0, offsetsSettled: true).Should().Be(TimeSpan.FromSeconds(1));
        AlertConsumerWorker.PollTimeoutFor(pendingAlerts: 2, offsetsSettled: true).Should().Be(TimeSpan.FromMilliseconds(100), "due alerts are delivered between polls");
        AlertConsumerWorker.PollTimeoutFor(pendingAlerts: 0, offsetsSettled: false).Should().Be(TimeSpan.FromMilliseconds(100), "finished offsets are committed between polls");
    }
}
