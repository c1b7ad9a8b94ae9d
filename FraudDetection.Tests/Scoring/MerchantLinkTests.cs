using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Merchants;

namespace FraudDetection.Tests.Scoring;

/// <summary>Scoring's hold on transactions that wait for the merchant table, and their release.</summary>
public sealed class MerchantLinkTests
{
    [Fact]
    public void Release_takes_at_most_its_budget_and_starts_each_time_at_the_next_partition()
    {
        var link = new MerchantLink(new MerchantTable(FeatureOptions.Default), new MerchantOptions());
        foreach (var partition in new[] { 0, 1 })
        {
            for (var offset = 0; offset < 4; offset++)
            {
                link.Park(null, Message(partition, offset), Transaction(), link.RentRow(4));
            }
        }

        var first = ReleaseAll(link, budget: 3, out var cut1);
        var second = ReleaseAll(link, budget: 3, out var cut2);
        var third = ReleaseAll(link, budget: 3, out var cut3);

        first.Should().HaveCount(3).And.OnlyContain(m => m.Partition == first[0].Partition, "one partition's backlog fills the budget");
        second.Should().HaveCount(3).And.OnlyContain(m => m.Partition != first[0].Partition, "the next release starts at the other partition");
        third.Should().HaveCount(2, "what is left of both");
        (cut1, cut2, cut3).Should().Be((true, true, false));
        foreach (var partition in new[] { 0, 1 })
        {
            first.Concat(second).Concat(third).Where(m => m.Partition == partition).Select(m => m.Offset)
                .Should().Equal([0L, 1L, 2L, 3L], "each partition's messages go oldest first");
        }
        link.ParkedCount.Should().Be(0);
        link.IsParked(0).Should().BeFalse();
    }

    [Fact]
    public void Release_stops_a_partition_at_its_first_message_that_still_waits()
    {
        var link = new MerchantLink(new MerchantTable(FeatureOptions.Default), new MerchantOptions());
        for (var offset = 0; offset < 3; offset++)
        {
            link.Park(null, Message(5, offset), Transaction(), link.RentRow(4));
        }

        var released = new List<long>();
        var cut = link.Release(null, parked =>
        {
            if (parked.Message.Offset.Value == 1) return false; // still not covered by the table
            released.Add(parked.Message.Offset.Value);
            return true;
        }, budget: 100);

        released.Should().Equal([0L]);
        cut.Should().BeFalse();
        link.ParkedCount.Should().Be(2);
        link.IsParked(5).Should().BeTrue();
    }

    [Fact]
    public void A_held_message_keeps_its_key_timestamp_and_headers_but_not_its_raw_value()
    {
        var link = new MerchantLink(new MerchantTable(FeatureOptions.Default), new MerchantOptions());
        var message = Message(3, 7);
        message.Message.Key = [1, 2, 3];
        message.Message.Value = new byte[700];
        message.Message.Timestamp = new Timestamp(1_600_000_000_000, TimestampType.CreateTime);
        message.Message.Headers = [new Header("traceparent", [9])];

        link.Park(null, message, Transaction(), link.RentRow(4));

        MerchantLink.Parked held = default;
        link.Release(null, parked =>
        {
            held = parked;
            return true;
        }, budget: 1);
        held.Message.Message.Value.Should().BeNull("the row is parsed already and a held row is never dead-lettered");
        held.Message.Message.Key.Should().Equal([1, 2, 3]);
        held.Message.Message.Timestamp.UnixTimestampMs.Should().Be(1_600_000_000_000);
        held.Message.Message.Headers.Should().ContainSingle(h => h.Key == "traceparent");
        held.Message.Offset.Value.Should().Be(7);
    }

    [Fact]
    public void Held_transactions_of_one_card_share_one_copy_of_their_repeated_strings_and_keep_their_values()
    {
        var link = new MerchantLink(new MerchantTable(FeatureOptions.Default), new MerchantOptions());
        // Distinct instances with equal text, as two parsed messages have.
        Transaction Parsed(string transNum) => Transaction() with
        {
            TransNum = transNum,
            Merchant = new string("fraud_Kirlin".AsSpan()),
            First = new string("Jennifer".AsSpan()),
            City = new string("Orient".AsSpan()),
            Job = new string("Engineer".AsSpan()),
        };
        var first = Parsed("a");
        var second = Parsed("b");
        link.Park(null, Message(0, 0), first, link.RentRow(4));
        link.Park(null, Message(0, 1), second, link.RentRow(4));

        var held = new List<Transaction>();
        link.Release(null, parked =>
        {
            held.Add(parked.Transaction);
            return true;
        }, budget: 10);

        held.Should().HaveCount(2);
        held[0].Should().Be(first, "every value is kept");
        held[1].Should().Be(second);
        ReferenceEquals(held[0].Merchant, held[1].Merchant).Should().BeTrue();
        ReferenceEquals(held[0].First, held[1].First).Should().BeTrue();
        ReferenceEquals(held[0].City, held[1].City).Should().BeTrue();
        ReferenceEquals(held[0].Job, held[1].Job).Should().BeTrue();
        ReferenceEquals(held[0].TransNum, held[1].TransNum).Should().BeFalse();
    }

    private static List<(int Partition, long Offset)> ReleaseAll(MerchantLink link, int budget, out bool cut)
    {
        var released = new List<(int, long)>();
        cut = link.Release(null, parked =>
        {
            released.Add((parked.Message.Partition.Value, parked.Message.Offset.Value));
            return true;
        }, budget);
        return released;
    }

    private static Transaction Transaction() => new() { TransNum = "t", CcNum = 1, Amt = 1, Merchant = "m", TransDateTransTime = new DateTime(2020, 1, 1) };

    private static ConsumeResult<byte[], byte[]> Message(int partition, long offset) => new()
    {
        TopicPartitionOffset = new TopicPartitionOffset("transactions", partition, offset),
        Message = new Message<byte[], byte[]> { Key = [], Value = [] },
    };
}
