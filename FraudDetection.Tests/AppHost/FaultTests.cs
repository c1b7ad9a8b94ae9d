using FraudDetection.Benchmarks.Faults;
using FraudDetection.Tests.TestSupport;
using Xunit.Abstractions;

namespace FraudDetection.Tests.AppHost;

/// <summary>
/// The short form of the fault suite (<c>FraudDetection.Benchmarks -- faults</c> is the long one): the real app host,
/// a replay flowing, each service killed with SIGKILL and started again, then the broker silent for 30 s. Every
/// replayed row is in the graph once with the score an uninterrupted backtest gives it, every alert is delivered once
/// and stored by web, nothing is dead-lettered, and every service said it was unhealthy while the broker was silent.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Faults", "Short")]
[Collection(FaultCollection.Name)]
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_every_service_mid_stream_and_silencing_the_broker_loses_duplicates_and_changes_nothing()
    {
        var options = new FaultOptions
        {
            Rows = 6_000,
            Rate = 100,
            BetweenKills = TimeSpan.FromSeconds(5),
            BrokerPause = TimeSpan.FromSeconds(30),
            StepTimeout = TimeSpan.FromMinutes(4),
        };

        var report = await FaultRun.RunAsync(options, new TestOutputWriter(output));

        output.WriteLine(report.Line);
        report.Kills.Should().Be(FaultOptions.AllServices.Count);
        report.Problems.Should().BeEmpty();
        report.Lost.Should().Be(0);
        report.Duplicated.Should().Be(0);
        report.WrongScores.Should().Be(0);
        report.DeadLettered.Should().Be(0);
        report.Alerts.Should().BePositive("the replay raises alerts, so their delivery is checked");
        report.UnhealthyDuringPause.Should().BeEquivalentTo(FaultOptions.AllServices, "a service whose broker does not answer says so");
    }
}

/// <summary>The fault run alone on the machine: it measures recovery, which the rest of the suite's load would stretch.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultCollection
{
    public const string Name = "Faults";
}
