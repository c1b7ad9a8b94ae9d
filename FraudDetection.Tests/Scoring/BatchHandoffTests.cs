using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Tests.Scoring;

/// <summary>The emitter's queue: in order, bounded, and a taker that stops spinning once items come far apart.</summary>
public sealed class BatchHandoffTests
{
    [Fact]
    public void Items_come_out_in_order_and_the_queue_refuses_past_its_capacity()
    {
        using var queue = new BatchHandoff<int>(capacity: 2);
        queue.TryAdd(1, 0).Should().BeTrue();
        queue.TryAdd(2, 0).Should().BeTrue();
        queue.TryAdd(3, 10).Should().BeFalse();
        queue.TryTake(out var first).Should().BeTrue();
        queue.TryTake(out var second).Should().BeTrue();
        (first, second).Should().Be((1, 2));
        queue.SpinsBeforeWait.Should().BeTrue("nothing was waited for");
    }

    [Fact]
    public async Task After_a_long_wait_the_taker_blocks_at_once_and_still_wakes_for_each_item_then_for_the_end()
    {
        using var queue = new BatchHandoff<int>(capacity: 2);
        var taken = new List<int>();
        var spinsAfterEach = new List<bool>();
        var taker = Task.Factory.StartNew(() =>
        {
            while (queue.TryTake(out var item))
            {
                taken.Add(item);
                spinsAfterEach.Add(queue.SpinsBeforeWait);
            }
        }, TaskCreationOptions.LongRunning);

        for (var i = 1; i <= 3; i++)
        {
            await Task.Delay(60); // far apart: each wait lasts about this long
            queue.TryAdd(i, 1000).Should().BeTrue();
        }
        await Task.Delay(60);
        queue.CompleteAdding();
        (await Task.WhenAny(taker, Task.Delay(TimeSpan.FromSeconds(10)))).Should().BeSameAs(taker, "the end wakes a parked taker");

        taken.Should().Equal(1, 2, 3);
        spinsAfterEach.Should().Equal(false, false, false);
    }

    [Fact]
    public async Task A_parked_taker_takes_every_item_of_a_burst_added_from_another_thread()
    {
        using var queue = new BatchHandoff<int>(capacity: 2);
        var taken = new List<int>();
        var taker = Task.Factory.StartNew(() =>
        {
            while (queue.TryTake(out var item))
            {
                taken.Add(item);
            }
        }, TaskCreationOptions.LongRunning);
        await Task.Delay(60);
        queue.TryAdd(0, 1000).Should().BeTrue(); // the first wait was long: parked from here on until waits are short

        await Task.Run(() =>
        {
            for (var i = 1; i <= 10_000; i++)
            {
                queue.TryAdd(i, 1000).Should().BeTrue();
            }
        });
        queue.CompleteAdding();
        (await Task.WhenAny(taker, Task.Delay(TimeSpan.FromSeconds(10)))).Should().BeSameAs(taker);

        taken.Should().Equal(Enumerable.Range(0, 10_001));
    }
}
