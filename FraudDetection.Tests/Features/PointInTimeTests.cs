using FraudDetection.Core.Features;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

public class PointInTimeTests
{
    [Fact]
    public void A_row_equals_a_fresh_replay_of_only_the_transactions_before_it()
    {
        var stream = Stream(3000, cards: 25);
        var full = FeatureMatrix.Build(stream);

        foreach (var cut in new[] { 0, 1, 17, 250, 1111, 2999 })
        {
            var prefixState = new OnlineFeatureState();
            FeatureMatrix.Prime(prefixState, stream.Take(cut));
            FeaturesOf(prefixState, stream[cut]).Should().Equal(full.Row(cut).ToArray(), $"row {cut} must not depend on later rows");
        }
    }

    [Fact]
    public void Changing_later_transactions_and_labels_never_changes_earlier_rows()
    {
        var stream = Stream(2000, cards: 10, fraudRate: 0.1);
        var original = FeatureMatrix.Build(stream);

        // Rewrite the future: every row from 1200 on gets another amount, category and the opposite label.
        var rewritten = stream.Select((tx, i) => i < 1200 ? tx : tx with
        {
            Amt = tx.Amt * 7 + 1,
            Category = "shopping_net",
            IsFraud = tx.IsFraud == 1 ? 0 : 1,
        }).ToList();
        var changed = FeatureMatrix.Build(rewritten);

        original.Values.AsSpan(0, 1200 * original.Columns).ToArray()
            .Should().Equal(changed.Values.AsSpan(0, 1200 * changed.Columns).ToArray());
        original.Row(1500).ToArray().Should().NotEqual(changed.Row(1500).ToArray(), "the rewrite does change later rows");
    }

    [Fact]
    public void A_transaction_never_sees_its_own_amount_or_label_in_history()
    {
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = TimeSpan.Zero });
        var card = 4111L;
        FeatureMatrix.Prime(state, Enumerable.Range(0, 20).Select(i => Make(card, Start.AddHours(i), 10)));

        var when = Start.AddHours(30);
        var honest = FeaturesOf(state, Make(card, when, 5000, isFraud: 0));
        var fraud = FeaturesOf(state, Make(card, when, 5000, isFraud: 1));
        honest.Should().Equal(fraud, "the label of the transaction itself must not matter");
        honest[Col("card_known_frauds")].Should().Be(0);
        honest[Col("amt_mean")].Should().Be(10, "history holds only the earlier 10.00 amounts");
        honest[Col("card_tx_count")].Should().Be(20);
        honest[Col("sum_7d")].Should().Be(200);

        // Compute changes nothing: computing again gives the same row.
        FeaturesOf(state, Make(card, when, 5000)).Should().Equal(honest);
        state.CardCount.Should().Be(1);
    }

    [Fact]
    public void A_fraud_label_counts_only_once_the_label_delay_has_passed()
    {
        var delay = TimeSpan.FromDays(7);
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = delay });
        var card = 4222L;
        var fraudTime = Start.AddDays(1);
        state.Update(Make(card, Start, 20));
        state.Update(Make(card, fraudTime, 900, "shopping_net", isFraud: 1));

        var justBefore = FeaturesOf(state, Make(card, fraudTime + delay - TimeSpan.FromSeconds(1), 15));
        justBefore[Col("card_known_frauds")].Should().Be(0);
        justBefore[Col("secs_since_known_fraud")].Should().Be(-1);

        var atDelay = FeaturesOf(state, Make(card, fraudTime + delay, 15));
        atDelay[Col("card_known_frauds")].Should().Be(1);
        atDelay[Col("secs_since_known_fraud")].Should().Be((float)delay.TotalSeconds);
    }

    [Fact]
    public void Labels_pushed_out_of_the_recent_ring_are_still_not_known_early()
    {
        var delay = TimeSpan.FromDays(7);
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = delay });
        var card = 4333L;
        state.Update(Make(card, Start, 500, isFraud: 1));
        // 300 transactions within the next 3 days push the fraud out of the 128-entry ring before its label is known.
        for (var i = 1; i <= 300; i++) state.Update(Make(card, Start.AddMinutes(i * 14), 12));

        FeaturesOf(state, Make(card, Start + delay - TimeSpan.FromMinutes(1), 12))[Col("card_known_frauds")].Should().Be(0);
        FeaturesOf(state, Make(card, Start + delay, 12))[Col("card_known_frauds")].Should().Be(1);
        state.Update(Make(card, Start + delay + TimeSpan.FromHours(1), 12));
        FeaturesOf(state, Make(card, Start + delay + TimeSpan.FromHours(2), 12))[Col("card_known_frauds")].Should().Be(1);
    }

    [Fact]
    public void Windows_count_only_earlier_transactions_inside_each_window()
    {
        var state = new OnlineFeatureState();
        var card = 4444L;
        var now = Start.AddDays(30);
        var history = new (TimeSpan Ago, double Amount, string Category)[]
        {
            (TimeSpan.FromDays(8), 1000, "travel"),          // outside every window
            (TimeSpan.FromDays(2), 100, "grocery_pos"),      // 7d
            (TimeSpan.FromHours(5), 40, "grocery_pos"),      // 24h, 7d
            (TimeSpan.FromMinutes(30), 20, "shopping_net"),  // 1h, 24h, 7d
            (TimeSpan.FromMinutes(5), 8, "shopping_net"),    // all
        };
        foreach (var (ago, amount, category) in history) state.Update(Make(card, now - ago, amount, category, merchant: "fraud_" + category));

        var f = FeaturesOf(state, Make(card, now, 50, "shopping_net", merchant: "fraud_shopping_net"));
        new[] { f[Col("cnt_10m")], f[Col("sum_10m")], f[Col("cnt_1h")], f[Col("sum_1h")] }
            .Should().Equal(1f, 8f, 2f, 28f);
        new[] { f[Col("cnt_24h")], f[Col("sum_24h")], f[Col("cnt_7d")], f[Col("sum_7d")] }
            .Should().Equal(3f, 68f, 4f, 168f);
        f[Col("secs_since_prev_tx")].Should().Be(300);
        f[Col("secs_since_prev_same_category")].Should().Be(300);
        f[Col("secs_since_prev_same_merchant")].Should().Be(300);
        f[Col("merchant_visit_count")].Should().Be(2);
        f[Col("prev_amt")].Should().Be(8);
        f[Col("amt_median_recent")].Should().Be(40, "median of 1000, 100, 40, 20, 8");
        f[Col("cat_amt_median_recent")].Should().Be(14, "median of the shopping_net amounts 20 and 8");
        f[Col("amt_pct_rank")].Should().Be(0.6f, "3 of the 5 earlier amounts are below 50");
        f[Col("amt_ratio_max_recent")].Should().Be(0.05f);
        // Now is 00:00; the earlier ones were at 00:00, 00:00, 19:00, 23:30 and 23:55.
        f[Col("is_night")].Should().Be(1);
        f[Col("secs_since_prev_night")].Should().Be(300);
        f[Col("sum_night_24h")].Should().Be(28);
        f[Col("cnt_night_24h")].Should().Be(2);
        f[Col("hour_block_share")].Should().Be(0.4f, "2 of 5 earlier transactions fell in 00:00-03:59");
        f[Col("prev_category")].Should().Be(FeatureCategories.CodeOf("shopping_net"));
        f[Col("cat_share_7d")].Should().Be(0.5f);
        f[Col("secs_since_prev_unusual")].Should().Be(-1, "no earlier amount was 3x its category mean");

        state.Update(Make(card, now, 500, "shopping_net", merchant: "fraud_shopping_net"));
        var next = FeaturesOf(state, Make(card, now.AddMinutes(2), 50, "shopping_net"));
        next[Col("secs_since_prev_unusual")].Should().Be(120, "500 is over 3x the shopping_net mean of 14");
        next[Col("cnt_unusual_24h")].Should().Be(1);
        next[Col("cnt_unusual_7d")].Should().Be(1);
        next[Col("max_ratio_24h")].Should().BeApproximately(500f / 14, 1e-3f);
        f[Col("cnt_same_category_24h")].Should().Be(2);
        f[Col("distinct_categories_24h")].Should().Be(2);
        f[Col("first_time_category")].Should().Be(0);
        f[Col("first_time_merchant")].Should().Be(0);
        f[Col("card_tx_count")].Should().Be(5);
        f[Col("cat_tx_count")].Should().Be(2);
        f[Col("category")].Should().Be(FeatureCategories.CodeOf("shopping_net"));

        var novel = FeaturesOf(state, Make(card, now, 50, "kids_pets", merchant: "fraud_new", state: "TX"));
        novel[Col("first_time_category")].Should().Be(1);
        novel[Col("first_time_merchant")].Should().Be(1);
        novel[Col("first_time_state")].Should().Be(1);
        novel[Col("secs_since_prev_same_category")].Should().Be(-1);
        novel[Col("cat_amt_mean")].Should().Be(-1);
    }
}
