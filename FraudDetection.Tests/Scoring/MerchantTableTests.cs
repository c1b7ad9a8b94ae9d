using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Merchants;

namespace FraudDetection.Tests.Scoring;

/// <summary>The merchant table's replica: what the reader brings and what this process's stage hands over, each offset once and in order.</summary>
public sealed class MerchantTableTests
{
    private static byte[] TableMessage(int stagePartition, int through) =>
        new MerchantMessage(MerchantMessageKind.Table, stagePartition, 2, through, through + 1, true,
            [new MerchantDay(977UL * (ulong)(through + 1), through, new MerchantDayTotals { Transactions = 3, Cards = 2 })]).Encode();

    private static ConsumeResult<byte[], byte[]> Read(int partition, long offset, byte[] value) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset(Topics.MerchantFeatures, partition, new Offset(offset)),
        Message = new Message<byte[], byte[]> { Value = value },
    };

    private static Dictionary<int, long> Positions(MerchantTable table) =>
        MerchantTable.PositionsOf(table.Snapshot("scoring", "test"));

    [Fact]
    public void A_handed_over_message_counts_only_as_the_next_offset_of_its_partition()
    {
        var table = new MerchantTable(FeatureOptions.Default);

        table.EnqueueDelivered(0, 0, TableMessage(0, 7000));
        table.ApplyPending().Should().BeTrue("offset 0 is where the log starts");
        table.HandedOver.Should().Be(1);
        Positions(table).Should().Equal(new Dictionary<int, long> { [0] = 1 });

        // Offset 1 came from another instance's stage: offset 2, handed over first, waits for the reader.
        table.EnqueueDelivered(0, 2, TableMessage(0, 7002));
        table.ApplyPending().Should().BeFalse();
        Positions(table)[0].Should().Be(1);
        table.History.Get(977UL * 7003, 7002).Should().BeNull();

        table.Enqueue(Read(0, 1, TableMessage(0, 7001)));
        table.Enqueue(Read(0, 2, TableMessage(0, 7002)));
        table.ApplyPending().Should().BeTrue();
        Positions(table)[0].Should().Be(3);
        table.History.Get(977UL * 7003, 7002).Should().NotBeNull("the reader brought it in order");

        // Late or repeated: neither the reader's copy of a handed-over offset nor a second hand-over counts again.
        table.Enqueue(Read(0, 0, TableMessage(0, 7000)));
        table.EnqueueDelivered(0, 2, TableMessage(0, 7002));
        table.ApplyPending().Should().BeFalse();

        // A partition the reader has not started on takes a hand-over only at the log's first offset.
        table.EnqueueDelivered(1, 5, TableMessage(1, 7000));
        table.ApplyPending().Should().BeFalse();
        Positions(table).Should().NotContainKey(1);
        table.HandedOver.Should().Be(1);
    }
}
