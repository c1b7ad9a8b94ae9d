using FraudDetection.Training.Options;
using FraudDetection.Training.Runs;
using FraudDetection.Training.Schedule;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.Registry;

public class TrainingSchedulerTests
{
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met");
            }

            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task The_default_schedule_queues_a_run_at_three_in_the_morning_and_not_before()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 1, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new TrainingOptions());
        var queue = new TrainingRunQueue(options, time);
        using var scheduler = new TrainingScheduler(queue, options, time, NullLogger<TrainingScheduler>.Instance);

        await scheduler.StartAsync(CancellationToken.None);
        await WaitUntil(() => scheduler.NextRunAt is not null);
        scheduler.NextRunAt.Should().Be(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));

        time.Advance(TimeSpan.FromMinutes(119));
        await Task.Delay(100);
        queue.List().Should().BeEmpty("it is 02:59");

        time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntil(() => queue.List().Count == 1);
        var run = queue.List().Single();
        run.Trigger.Should().Be("schedule");
        run.QueuedAt.Should().Be(new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero));
        await WaitUntil(() => scheduler.NextRunAt == new DateTimeOffset(2026, 11, 26, 3, 0, 0, TimeSpan.Zero));

        await scheduler.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_configured_cron_and_time_zone_are_followed()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 7, 0, TimeSpan.Zero));
        var options = Options.Create(new TrainingOptions { Schedule = "*/15 * * * *", TimeZone = "Asia/Seoul" });
        var queue = new TrainingRunQueue(options, time);
        using var scheduler = new TrainingScheduler(queue, options, time, NullLogger<TrainingScheduler>.Instance);

        await scheduler.StartAsync(CancellationToken.None);
        await WaitUntil(() => scheduler.NextRunAt is not null);
        scheduler.NextRunAt!.Value.UtcDateTime.Should().Be(new DateTime(2026, 11, 25, 10, 15, 0, DateTimeKind.Utc));
        time.Advance(TimeSpan.FromMinutes(8));
        await WaitUntil(() => queue.List().Count == 1);
        await scheduler.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void A_bad_cron_is_refused_with_the_setting_named()
    {
        var parse = () => TrainingScheduler.Parse("every night");
        parse.Should().Throw<InvalidOperationException>().WithMessage("Training:Schedule 'every night' is not a valid cron expression*");
    }
}
