using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Tests.Scoring;

/// <summary>The queue between Scoring's consume loop and its emitter: in order, bounded, woken by the other side, drained on completion.</summary>
public sealed class HandoffQueueTests
{
    [Fact]
    public void Items_come_out_in_the_order_they_went_in()
    {
        var queue = new HandoffQueue<int>();
        for (var i = 0; i < 5; i++)
        {
            queue.Add(i);
        }

        var taken = new List<int>();
        while (queue.TryTake(out var item, 0))
        {
            taken.Add(item);
        }

        taken.Should().Equal(0, 1, 2, 3, 4);
        queue.Count.Should().Be(0);
    }

    [Fact]
    public void An_add_to_a_full_queue_times_out_and_a_take_from_an_empty_one_does_too()
    {
        var queue = new HandoffQueue<int>(capacity: 2);
        queue.TryAdd(1, 0).Should().BeTrue();
        queue.TryAdd(2, 0).Should().BeTrue();

        queue.TryAdd(3, 20).Should().BeFalse("the queue holds 2");
        queue.Count.Should().Be(2);

        queue.TryTake(out _, 0).Should().BeTrue();
        queue.TryTake(out _, 0).Should().BeTrue();
        queue.TryTake(out var none, 20).Should().BeFalse("nothing is left");
        none.Should().Be(0);
    }

    [Fact]
    public async Task A_waiting_take_is_woken_by_an_add_and_a_waiting_add_by_a_take()
    {
        var queue = new HandoffQueue<string>(capacity: 1);
        var take = Task.Run(() => queue.TryTake(out var item, Timeout.Infinite) ? item : null);
        await Task.Delay(50);
        take.IsCompleted.Should().BeFalse("the queue is empty");

        queue.Add("batch");
        (await take.WaitAsync(TimeSpan.FromSeconds(10))).Should().Be("batch");

        queue.Add("first");
        var add = Task.Run(() => queue.TryAdd("second", Timeout.Infinite));
        await Task.Delay(50);
        add.IsCompleted.Should().BeFalse("the queue is full");

        queue.TryTake(out var first, 0).Should().BeTrue();
        first.Should().Be("first");
        (await add.WaitAsync(TimeSpan.FromSeconds(10))).Should().BeTrue();
        queue.TryTake(out var second, 0).Should().BeTrue();
        second.Should().Be("second");
    }

    [Fact]
    public async Task Completing_hands_over_what_is_left_then_ends_every_wait_and_refuses_adds()
    {
        var queue = new HandoffQueue<int>(capacity: 4);
        queue.Add(7);
        var waiting = Task.Run(() =>
        {
            var taken = new List<int>();
            while (queue.TryTake(out var item, Timeout.Infinite))
            {
                taken.Add(item);
            }
            return taken;
        });
        await Task.Delay(50);

        queue.CompleteAdding();

        (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Should().Equal(7);
        queue.Invoking(q => q.Add(8)).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void A_capacity_below_one_is_refused()
    {
        var create = () => new HandoffQueue<int>(capacity: 0);

        create.Should().Throw<ArgumentOutOfRangeException>();
    }
}
