using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

/// <summary>Verdicts learned after scoring (<see cref="LabelEvents"/>): counted from when they are applied, once per transaction.</summary>
public sealed class LabelEventTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromDays(7);
    private static readonly DateTimeOffset Learned = new(2020, 3, 3, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_fraud_verdict_counts_from_when_it_is_applied_once_and_a_newer_genuine_verdict_withdraws_it()
    {
        var events = new LabelEvents();
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = Delay }) { LabelEvents = events };
        var card = 4_100_000_000_000_001L;
        var suspicious = Make(card, Start.AddHours(1), 900, "shopping_net");
        state.Update(Make(card, Start, 20));
        state.Update(suspicious);
        var next = Make(card, Start.AddHours(3), 15);
        FeaturesOf(state, next)[Col("card_known_frauds")].Should().Be(0, "nothing is known yet");

        events.Apply(CardMask.CardId(card), suspicious.TransNum, fraud: true, suspicious.TransDateTransTime, LabelSources.Customer, Learned).Should().BeTrue();
        var known = FeaturesOf(state, next);
        known[Col("card_known_frauds")].Should().Be(1, "the holder said it was not them");
        known[Col("secs_since_known_fraud")].Should().Be(2 * 3600);

        events.Apply(CardMask.CardId(card), suspicious.TransNum, fraud: true, suspicious.TransDateTransTime, LabelSources.Customer, Learned).Should().BeFalse("a repeat");
        FeaturesOf(state, next)[Col("card_known_frauds")].Should().Be(1, "a verdict read twice counts once");

        events.Apply(CardMask.CardId(card), suspicious.TransNum, fraud: false, suspicious.TransDateTransTime, LabelSources.Analyst, Learned.AddHours(1)).Should().BeTrue();
        FeaturesOf(state, next)[Col("card_known_frauds")].Should().Be(0, "the analyst's newer verdict says genuine");
        events.Apply(CardMask.CardId(card), suspicious.TransNum, fraud: true, suspicious.TransDateTransTime, LabelSources.Customer, Learned).Should().BeFalse("older than the verdict held");
        events.Ignored.Should().Be(2);
    }

    [Fact]
    public void A_verdict_on_a_transaction_whose_own_label_becomes_known_later_is_counted_once_and_other_cards_are_untouched()
    {
        var events = new LabelEvents();
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = Delay }) { LabelEvents = events };
        var card = 4_100_000_000_000_002L;
        var other = 4_100_000_000_000_003L;
        var fraud = Make(card, Start.AddHours(1), 900, "shopping_net", isFraud: 1);
        state.Update(Make(card, Start, 20));
        state.Update(fraud);
        state.Update(Make(other, Start, 20));
        events.Apply(CardMask.CardId(card), fraud.TransNum, fraud: true, fraud.TransDateTransTime, LabelSources.Customer, Learned);

        FeaturesOf(state, Make(card, Start.AddHours(2), 15))[Col("card_known_frauds")].Should().Be(1, "known from the answer, days before the chargeback");
        FeaturesOf(state, Make(card, fraud.TransDateTransTime + Delay + TimeSpan.FromHours(1), 15))[Col("card_known_frauds")]
            .Should().Be(1, "the chargeback of the same transaction is not a second fraud");
        FeaturesOf(state, Make(other, Start.AddHours(2), 15))[Col("card_known_frauds")].Should().Be(0, "another card's verdict");
    }

    [Fact]
    public void A_chargeback_counts_for_a_transaction_without_a_label_of_its_own_and_adds_nothing_to_one_labelled_fraud()
    {
        var events = new LabelEvents();
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = Delay }) { LabelEvents = events };
        var card = 4_100_000_000_000_004L;
        var labelled = Make(card, Start.AddHours(1), 900, "shopping_net", isFraud: 1);
        var unlabelled = Make(card, Start.AddHours(2), 700, "shopping_net", isFraud: null);
        state.Update(labelled);
        state.Update(unlabelled);
        events.Apply(CardMask.CardId(card), labelled.TransNum, fraud: true, labelled.TransDateTransTime, LabelSources.Chargeback, Learned);
        events.Apply(CardMask.CardId(card), unlabelled.TransNum, fraud: true, unlabelled.TransDateTransTime, LabelSources.Chargeback, Learned);

        FeaturesOf(state, Make(card, Start.AddHours(3), 15))[Col("card_known_frauds")].Should().Be(1, "only the chargeback of the unlabelled one counts early");
        FeaturesOf(state, Make(card, labelled.TransDateTransTime + Delay, 15))[Col("card_known_frauds")].Should().Be(2, "then the labelled one by its own label");
    }

    [Fact]
    public void Without_verdicts_the_features_equal_the_offline_ones()
    {
        var stream = Stream(3_000, cards: 40);
        var withTable = new OnlineFeatureState { LabelEvents = new LabelEvents() };
        var plain = new OnlineFeatureState();
        var a = new float[FeatureSchema.Current.Count];
        var b = new float[FeatureSchema.Current.Count];
        foreach (var tx in stream)
        {
            withTable.ComputeAndUpdate(tx, a);
            plain.ComputeAndUpdate(tx, b);
            a.Should().Equal(b);
        }
    }
}
