using FraudDetection.Core.Transactions;
using FraudDetection.Web.Clients;
using FraudDetection.Web.Counters;
using FraudDetection.Web.Pages;

namespace FraudDetection.Tests.Web;

/// <summary>
/// The overview's headline counters say what each counts and from when, since their bases differ; its panels name
/// merchants as people read them.
/// </summary>
public sealed class CountersPanelTests
{
    [Fact]
    public void Merchants_are_shown_without_the_sparkov_generators_prefix()
    {
        MerchantNames.Display("fraud_Kilback LLC").Should().Be("Kilback LLC");
        MerchantNames.Display("Corner Shop fraud_x").Should().Be("Corner Shop fraud_x", "only a leading prefix is the generator's");
        MerchantNames.Display(null).Should().Be("?");

        var html = OverviewPage.Panels(new GraphPanels(null, [new MerchantVolume("fraud_Kilback LLC", 164, 14_888.12)], null));

        html.Should().Contain("<td>Kilback LLC</td>").And.NotContain("fraud_Kilback");
    }

    [Fact]
    public void Each_counter_says_what_it_counts_and_whether_it_survives_a_restart()
    {
        var readings = CounterSampler.Headline.Select(h => new CounterReading(h.Key, h.Label, 1_234, 2.5, h.Source, h.Counts)).ToList();

        var html = OverviewPage.Counters(readings);

        foreach (var (key, _, source, counts) in CounterSampler.Headline)
        {
            html.Should().Contain($"data-counter=\"{key}\"").And.Contain($"title=\"{counts} (from {source})\"");
            if (source is ServiceNames.Notifier or ServiceNames.Graph)
            {
                counts.Should().Contain("kept across restarts", $"{key} is read from a store that outlives the process");
            }
            else
            {
                counts.Should().Contain("since it started", $"{key} is a counter of the running process");
            }
        }
        html.Should().Contain("Each service counts from its own start; notifications and graph edges are kept across restarts.");
    }

    [Theory]
    [InlineData("running", "is sending replay replay.csv.gz at 50 transactions a second")]
    [InlineData("finished", "has sent every row of replay replay.csv.gz: the stream has ended")]
    [InlineData("stopped", "The Producer is stopped")]
    [InlineData("faulted", "stopped on an error")]
    public void The_overview_says_what_the_producer_is_doing(string state, string expected)
    {
        var html = OverviewPage.Counters([], stream: new ProducerStatus(state, 50, 60_572, 60_572, "replay replay.csv.gz"));

        html.Should().Contain($"data-stream=\"{state}\"").And.Contain(expected);
        if (state == "finished")
        {
            html.Should().Contain("--loop", "a quiet overview says how to keep the stream going");
        }
        OverviewPage.Counters([]).Should().NotContain("data-stream", "nothing is said before the Producer answers");
    }
}
