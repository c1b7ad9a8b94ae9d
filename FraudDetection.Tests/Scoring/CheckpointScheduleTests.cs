using FraudDetection.Core.Messaging;
using FraudDetection.Scoring.Extensions;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.Scoring;

/// <summary>When Scoring checkpoints: on its interval once enough was consumed, at its longest interval however little, never for nothing.</summary>
public sealed class CheckpointScheduleTests
{
    [Fact]
    public void A_checkpoint_is_due_at_the_interval_only_once_enough_messages_came_and_at_the_longest_interval_for_any()
    {
        var schedule = new CheckpointSchedule(interval: 100, maxInterval: 1000, minMessages: 50);
        schedule.Start(0);

        schedule.Due(5000).Should().BeFalse("nothing was consumed, so there is nothing to save");
        schedule.Count(49);
        schedule.Due(999).Should().BeFalse("49 messages are under the count and the longest interval has not passed");
        schedule.Due(1000).Should().BeTrue("the longest interval passed with messages consumed");

        schedule.Count(1);
        schedule.Due(99).Should().BeFalse("the count is reached but the interval has not passed");
        schedule.Due(100).Should().BeTrue("the interval passed with 50 messages");

        schedule.Taken(100);
        schedule.Due(2000).Should().BeFalse("the count starts again after a checkpoint");
        schedule.Count(60);
        schedule.Due(199).Should().BeFalse("the interval counts from the last checkpoint");
        schedule.Due(200).Should().BeTrue();
    }

    [Fact]
    public async Task A_slow_stream_is_checkpointed_at_the_longest_interval_not_at_every_interval()
    {
        using var harness = new ScoringHarness();
        var rows = ScoringModels.KaggleRows(41);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var store = harness.Store("slow");
        var options = ScoringHarness.Options("scoring");
        options.CheckpointIntervalMs = 100;
        options.CheckpointMinMessages = 10_000;
        options.CheckpointMaxIntervalMs = 6000;
        var (consumer, stats) = harness.Start(options, models, store);
        long Checkpointed() => store.LoadAll("scoring", Topics.Transactions).Sum(c => c.NextOffset);

        harness.Produce(rows.Take(1));
        // The store has the checkpoint a moment before the stats count it.
        await ScoringHarness.WaitUntilAsync(() => Checkpointed() == 1 && stats.Snapshot("ready", null, null).Checkpoints > 0,
            "the first message checkpointed by the longest interval", TimeSpan.FromSeconds(30));
        var checkpoints = stats.Snapshot("ready", null, null).Checkpoints;

        harness.Produce(rows.Skip(1));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == 41, "the other 40 scored");
        await Task.Delay(1500);
        Checkpointed().Should().Be(1, "40 messages are under the count, so the 100 ms interval does not checkpoint them");
        stats.Snapshot("ready", null, null).Checkpoints.Should().Be(checkpoints);

        await ScoringHarness.WaitUntilAsync(() => Checkpointed() == 41, "the 40 checkpointed by the longest interval", TimeSpan.FromSeconds(30));
        await harness.StopAsync(consumer);
    }

    [Theory]
    [InlineData("Scoring:CheckpointMinMessages", "-1", "CheckpointMinMessages must not be negative")]
    [InlineData("Scoring:CheckpointMaxIntervalMs", "1000", "CheckpointMaxIntervalMs must be at least Scoring:CheckpointIntervalMs")]
    [InlineData("Scoring:CheckpointIntervalMs", "0", "CheckpointIntervalMs must be positive")]
    public void A_checkpoint_setting_out_of_range_is_refused_with_its_name(string key, string value, string message)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddScoringServices();
        using var host = builder.Build();

        var read = () => host.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;

        read.Should().Throw<OptionsValidationException>().WithMessage($"*{message}*");
    }
}
