using FraudDetection.Core.Messaging;
using System.Text.Json;
using FraudDetection.Notifier.Messages;
using FraudDetection.Notifier.Options;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.Notifier;

public sealed class AlertMessageComposerTests
{
    private static AlertMessageComposer Composer(string language = "ko") =>
        new(Options.Create(new NotifierOptions { Language = language, LinkBaseUrl = "https://bank.example/fraud/" }));

    [Fact]
    public void The_link_carries_the_alerts_token_which_web_verifies_with_the_shared_secret()
    {
        var tokens = new AlertLinkTokens("shared-secret");
        var composer = new AlertMessageComposer(Options.Create(new NotifierOptions { LinkBaseUrl = "http://localhost:5100/alerts" }), tokens);
        var alert = TestAlerts.Make("t-link-1");

        var message = composer.Compose(alert.CardId, [alert]);

        var link = new Uri(message.LinkUrl);
        link.AbsolutePath.Should().Be($"/alerts/{alert.AlertId}");
        var token = System.Web.HttpUtility.ParseQueryString(link.Query)["t"];
        new AlertLinkTokens("shared-secret").Verify(alert.AlertId, token).Should().BeTrue();
        new AlertLinkTokens("other-secret").Verify(alert.AlertId, token).Should().BeFalse();
    }

    [Fact]
    public void Korean_message_has_masked_card_amount_merchant_category_time_reason_and_link()
    {
        var alert = TestAlerts.Make("t-ko-1");
        var message = Composer().Compose(alert.CardId, [alert]);

        message.Text.Should().Contain("카드 ****0366").And.Contain("$912.34").And.Contain("가맹점: Kirlin and Sons")
            .And.Contain("쇼핑(온라인)").And.Contain("2020-06-21 23:14").And.Contain("평소보다 큰 결제 금액");
        message.Text.Should().NotContain(TestAlerts.CardNumber.ToString()).And.NotContain("fraud_");
        message.LinkUrl.Should().Be("https://bank.example/fraud/t-ko-1");

        var template = JsonDocument.Parse(message.TemplateObjectJson).RootElement;
        template.GetProperty("object_type").GetString().Should().Be("text");
        template.GetProperty("text").GetString().Should().Be(message.Text);
        template.GetProperty("link").GetProperty("web_url").GetString().Should().Be(message.LinkUrl);
        template.GetProperty("link").GetProperty("mobile_web_url").GetString().Should().Be(message.LinkUrl);
        template.GetProperty("button_title").GetString().Should().Be("확인 및 신고");
        message.Text.Length.Should().BeLessThanOrEqualTo(200, "Kakao's text template takes 200 characters");
    }

    [Fact]
    public void English_is_an_option()
    {
        var alert = TestAlerts.Make("t-en-1", topFeature: "home_merchant_km");
        var message = Composer("en").Compose(alert.CardId, [alert]);

        message.Text.Should().Contain("[Fraud alert] Card ****0366").And.Contain("Amount: $912.34")
            .And.Contain("Category: shopping (online)").And.Contain("far from where you usually pay");
        message.ButtonTitle.Should().Be("Confirm or report");
    }

    [Theory]
    [InlineData("amt", "an unusually large amount")]
    [InlineData("amt_ratio_median", "an unusually large amount")]
    [InlineData("cat_amt_z", "an unusually large amount")]
    [InlineData("cnt_1h", "many payments in a short time")]
    [InlineData("secs_since_prev_tx", "many payments in a short time")]
    [InlineData("hour_dist_from_habit", "a payment at an unusual time")]
    [InlineData("is_weekend", "a payment at an unusual time")]
    [InlineData("home_merchant_km", "a payment far from where you usually pay")]
    [InlineData("dist_ratio_vs_mean", "a payment far from where you usually pay")]
    [InlineData("distinct_categories_24h", "a kind of shop you rarely use")]
    [InlineData("first_time_merchant", "a merchant you have not used before")]
    [InlineData("merchant_visit_count", "a merchant you have not used before")]
    [InlineData("first_time_state", "a payment in an unusual area")]
    [InlineData("card_known_frauds", "recent fraud on this card")]
    [InlineData("zq_unknown_feature", "a payment unlike your usual pattern")]
    [InlineData(null, "a payment unlike your usual pattern")]
    public void Feature_names_read_as_plain_words(string? feature, string expected) =>
        ReasonPhrases.Describe(feature, english: true).Should().Be(expected);

    [Fact]
    public void Top_reason_is_the_largest_positive_contribution()
    {
        var reasons = new List<FraudDetection.Core.Messaging.FeatureContribution>
        {
            new("hour_of_day", 3, 0.4f), new("amt", 900, 2.5f), new("city_pop", 10, -4f),
        };
        ReasonPhrases.Top(reasons)!.Feature.Should().Be("amt");
        ReasonPhrases.Top([new("city_pop", 10, -4f)]).Should().BeNull();
    }

    [Fact]
    public void Several_alerts_of_one_card_make_one_summary()
    {
        var alerts = new[]
        {
            TestAlerts.Make("t-s-1", amount: 100, localTime: new DateTime(2020, 6, 21, 23, 1, 0)),
            TestAlerts.Make("t-s-2", amount: 250.5, merchant: "fraud_Huel Ltd", localTime: new DateTime(2020, 6, 21, 23, 2, 0)),
            TestAlerts.Make("t-s-3", amount: 49.5, merchant: "fraud_Lind-Buckridge", localTime: new DateTime(2020, 6, 21, 23, 3, 0)),
        };
        var message = Composer().Compose(alerts[0].CardId, alerts);

        message.IsSummary.Should().BeTrue();
        message.Text.Should().Contain("의심 거래 3건").And.Contain("합계: $400.00").And.Contain("23:01–23:03").And.Contain("****0366");
        message.Text.Length.Should().BeLessThanOrEqualTo(200);
        message.LinkUrl.Should().EndWith("/t-s-3");
    }

    [Fact]
    public void An_alert_with_missing_fields_still_renders()
    {
        var alert = TestAlerts.Make("t-sparse") with { Merchant = null!, Category = null!, Reasons = null!, Currency = null! };
        var message = Composer("en").Compose(alert.CardId, [alert]);

        message.Text.Should().Contain("Merchant: ?").And.Contain("$912.34").And.Contain("a payment unlike your usual pattern");
    }

    [Theory]
    [InlineData(1234.5, "USD", "$1,234.50")]
    [InlineData(12345, "KRW", "₩12,345")]
    [InlineData(10, "CHF", "10.00 CHF")]
    public void Amounts_carry_their_currency(double amount, string currency, string expected) =>
        AlertMessageComposer.Money(amount, currency).Should().Be(expected);

    [Theory]
    [InlineData("****0366", "****0366")]
    [InlineData("4532015112830366", "****0366")]
    [InlineData("12", "****")]
    public void Only_the_last_four_digits_ever_appear(string carried, string expected) =>
        AlertMessageComposer.MaskCard(carried).Should().Be(expected);
}
