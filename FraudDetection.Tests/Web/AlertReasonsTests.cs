using FraudDetection.Core.Messaging;
using FraudDetection.Web.Alerts;
using FraudDetection.Web.Pages;

namespace FraudDetection.Tests.Web;

public sealed class AlertReasonsTests
{
    // The shape of a real alert of the default run: two amount features and two time features among the top five.
    private static readonly FeatureContribution[] Reasons =
    [
        new("prev_amt", 42.5f, 1.24f),
        new("sum_night_24h", 3f, 3.47f),
        new("amt", 1014.88f, 3.38f),
        new("is_night", 1f, 0.89f),
        new("card_age_days", 12f, -0.40f),
        new("dist_km", 80f, 0.31f),
    ];

    [Fact]
    public void Features_that_say_the_same_thing_are_one_reason_with_each_feature_beside_it()
    {
        var reasons = AlertPages.AnalystReasons(Reasons);

        reasons.Select(r => r.Phrase).Should().Equal(
            "a payment at an unusual time", "an unusually large amount", "a payment far from where you usually pay");
        reasons[0].Features.Select(f => f.Feature).Should().Equal("sum_night_24h", "is_night");
        reasons[1].Features.Select(f => f.Feature).Should().Equal("amt", "prev_amt");
        reasons[2].Features.Select(f => f.Feature).Should().Equal("dist_km");
    }

    [Fact]
    public void Only_contributions_that_raised_the_score_are_reasons_and_at_most_the_limit_of_phrases()
    {
        AlertPages.AnalystReasons(Reasons, limit: 1).Should().ContainSingle().Which.Phrase.Should().Be("a payment at an unusual time");
        AlertPages.AnalystReasons([new("card_age_days", 12f, -0.40f)]).Should().BeEmpty();
    }

    [Fact]
    public void The_queue_lists_each_phrase_once_with_its_features_and_contributions()
    {
        var alert = new StoredAlert("a-1", "t-1", "card-1", "****0366", 1014.88, "USD", "fraud_Pacocha-Bauch", "shopping_pos",
            new DateTime(2020, 6, 21, 14, 23, 0), "Columbia", "SC", 0.676, 0.084, "1", Reasons, DateTimeOffset.UtcNow, "open",
            null, null, null, null);

        var html = AlertPages.Queue([], new AlertQueueFilter("pending", null, null, 100), [alert], _ => []);

        html.Should().Contain("<li>an unusually large amount <span class=\"muted\">(amt +3.38, prev_amt +1.24)</span></li>")
            .And.Contain("<li>a payment at an unusual time <span class=\"muted\">(sum_night_24h +3.47, is_night +0.89)</span></li>")
            .And.NotContain("card_age_days", "a contribution that lowered the score is no reason");
        html.Split("an unusually large amount").Should().HaveCount(2, "the phrase appears once");
    }
}
