using System.Text.Json;
using FraudDetection.Core.Telemetry;
using FraudDetection.Web.Clients;
using FraudDetection.Web.Pages;

namespace FraudDetection.Tests.Web;

/// <summary>The overview shows the running model's own precision and recall, from Scoring's labelled outcomes.</summary>
public sealed class LiveQualityPanelTests
{
    [Fact]
    public void Scorings_labelled_outcomes_reach_the_page_as_caught_missed_false_precision_and_recall()
    {
        // Scoring's /api/scoring/stats answer carries the outcomes as the Core record serializes them.
        var quality = new LiveQuality(TruePositives: 158, FalsePositives: 15, FalseNegatives: 41, TrueNegatives: 49_786);
        var answer = $$"""
            {"consumer_status":"running","model_status":"serving","model_version":"1","scored":50000,"alerts":173,
             "dead_letters_by_reason":{},"labelled":{{JsonSerializer.Serialize(quality)}}}
            """;
        var stats = JsonSerializer.Deserialize(answer, ServiceJsonContext.Default.ScoringStats)!;
        stats.Labelled.Should().Be(quality);

        var html = OverviewPage.Counters([], stats.Labelled);

        html.Should().Contain("over 50,000 labelled transactions")
            .And.Contain("data-tp=\"158\"").And.Contain("data-fn=\"41\"").And.Contain("data-fp=\"15\"")
            .And.Contain("91.3%", "precision 158 / 173")
            .And.Contain("79.4%", "recall 158 / 199")
            .And.Contain("0.3%", "alert rate 173 / 50,000");
    }

    [Fact]
    public void Without_labels_the_panel_says_when_figures_will_appear()
    {
        OverviewPage.Quality(null).Should().Contain("appear once labelled transactions");
        OverviewPage.Quality(new LiveQuality(0, 0, 0, 0)).Should().Contain("appear once labelled transactions");
        var stats = JsonSerializer.Deserialize("""{"consumer_status":"running","model_status":"waiting","model_version":null,"scored":0,"alerts":0,"dead_letters_by_reason":{}}""",
            ServiceJsonContext.Default.ScoringStats)!;
        stats.Labelled.Should().BeNull("an older Scoring without the field still reads");
    }
}
