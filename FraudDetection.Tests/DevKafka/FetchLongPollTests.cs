using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using FraudDetection.DevKafka.Hosting;

namespace FraudDetection.Tests.DevKafka;

/// <summary>The long poll's waker on its own: it wakes for an earlier deadline and for data, and not otherwise.</summary>
public sealed class FetchLongPollTests
{
    [Fact]
    public async Task A_fetch_held_with_an_earlier_deadline_than_the_waker_waits_for_is_answered_at_its_own()
    {
        using var longPoll = new FetchLongPoll();
        var connection = new RecordingConnection();
        longPoll.Hold(connection.Fetch(longPoll, "late", waitMs: 5_000));
        await Task.Delay(50); // the waker now waits for the 5 s deadline
        var held = Stopwatch.StartNew();
        longPoll.Hold(connection.Fetch(longPoll, "early", waitMs: 100));

        var (name, how) = await connection.NextAsync();

        (name, how).Should().Be(("early", "answered"));
        held.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "it did not wait for the later deadline");
    }

    [Fact]
    public async Task Data_that_came_between_a_fetch_and_its_hold_asks_again_at_once_and_wakes_no_fetch_of_other_topics()
    {
        using var longPoll = new FetchLongPoll();
        var connection = new RecordingConnection();
        longPoll.Hold(connection.Fetch(longPoll, "other", waitMs: 4_000, topic: "other-topic"));
        await Task.Delay(50); // the waker now waits for the 4 s deadline
        var stale = connection.Fetch(longPoll, "stale", waitMs: 8_000); // its snapshot is taken here
        longPoll.Produced([RecordingConnection.Topic]); // acknowledged before the fetch's empty answer came back
        var held = Stopwatch.StartNew();
        longPoll.Hold(stale);

        (await connection.NextAsync()).Should().Be(("stale", "asked again"));
        held.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(3), "it did not wait for the other fetch's deadline");
        (await connection.NextAsync()).Should().Be(("other", "answered"), "a produce to a topic it does not ask for leaves it held");
        longPoll.Counts.Should().Be((2L, 1L, 1L));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(500)]
    public void A_held_answer_goes_back_on_the_grid_within_one_step_after_the_wait(int waitMs)
    {
        var step = (long)(FetchLongPoll.DeadlineStep.TotalSeconds * Stopwatch.Frequency);
        var wait = waitMs * Stopwatch.Frequency / 1000;
        var before = Stopwatch.GetTimestamp();
        var deadline = FetchLongPoll.DeadlineAfter(waitMs);
        var after = Stopwatch.GetTimestamp();

        (deadline % step).Should().Be(0, "fetches whose waits end within a step are answered together");
        deadline.Should().BeGreaterThanOrEqualTo(before + wait, "never before the client's wait is over");
        deadline.Should().BeLessThan(after + wait + step);
    }

    private sealed class RecordingConnection : IPolledConnection
    {
        public const string Topic = "watched";

        private readonly ConcurrentDictionary<PolledFetch, string> names = new();
        private readonly Channel<(string Name, string How)> events = Channel.CreateUnbounded<(string, string)>();

        public bool Closed => false;

        public PolledFetch Fetch(FetchLongPoll longPoll, string name, int waitMs, string topic = Topic)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(waitMs / 1000.0 * Stopwatch.Frequency);
            var fetch = new PolledFetch(this, version: 4, request: new byte[16], topics: [topic], deadline)
            {
                Produced = longPoll.Snapshot([topic]),
            };
            names[fetch] = name;
            return fetch;
        }

        public void AskAgain(PolledFetch fetch) => events.Writer.TryWrite((names[fetch], "asked again"));

        public void Answer(PolledFetch fetch) => events.Writer.TryWrite((names[fetch], "answered"));

        public async Task<(string Name, string How)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            return await events.Reader.ReadAsync(timeout.Token);
        }
    }
}
