using FraudDetection.Core.Features;
using FraudDetection.Core.Features.Merchant;
using FraudDetection.Core.Transactions;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

public class MerchantFeatureTests
{
    /// <summary>Many cards over two months at a few merchants, so merchant totals add up over cards and partitions.</summary>
    private static List<Transaction> MerchantStream(int count = 6000, int cards = 60, int seed = 11) =>
        Stream(count, cards, seed, fraudRate: 0.04).Select((tx, i) => tx with
        {
            Merchant = "fraud_M" + (i * 7 + (int)(tx.CcNum % 13)) % 9,
            TransDateTransTime = Start + (tx.TransDateTransTime - Start) / 12, // about 80 days: windows fill up
        }).ToList();

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(4, 3, 2)]
    [InlineData(7, 2, 3)]
    public void Partitioned_states_through_the_merchant_stage_equal_the_offline_replay(int cardPartitions, int stagePartitions, int seed)
    {
        var stream = MerchantStream();
        var offline = Replay(stream, new OnlineFeatureState());

        var topology = new MerchantTopology(null, cardPartitions, stagePartitions, seed) { DuplicateSomeMessages = true };
        var online = topology.Run(stream);

        online.ShouldHaveSameRows(offline);
        if (cardPartitions > 1) topology.Waits.Should().BePositive("partitions ran ahead and had to wait for the table");
        topology.Redelivered.Should().BePositive("repeated partials were dropped, not counted twice");
        var merchantColumns = FeatureGroups.Get(FeatureGroups.Merchant);
        offline.Values.Should().Contain(row => row[merchantColumns.Offset + 2] > 50, "merchant_tx_30d counts many cards' transactions");
        offline.Values.Should().Contain(row => row[Col("merchant_fraud_known_today")] == 1, "frauds of the label-delay day become known during the day")
            .And.Contain(row => row[Col("merchant_fraud_known_today")] == 0);
        offline.Values.Select(row => row[Col("merchant_days_since_known_genuine")]).Distinct().Should().Contain([7f, 8f]);
        offline.Values.Should().Contain(row => row[Col("merchant_ordinary_fraud_30d")] > 0, "some frauds are at amounts ordinary for their card")
            .And.Contain(row => row[Col("merchant_ordinary_fraud_30d")] < row[Col("merchant_fraud_30d")], "and some are not")
            .And.Contain(row => row[Col("merchant_ordinary_fraud_known_today")] == 1);
    }

    [Fact]
    public void Merchant_days_add_up_every_cards_transactions_of_complete_days()
    {
        var merchant = "fraud_Shared";
        var day0 = Start.Date;
        var state = new OnlineFeatureState();
        // Day 0: cards 1 and 2 (card 1 twice); day 1: cards 1 and 3.
        state.Update(Make(1, day0.AddHours(9), 10, merchant: merchant));
        state.Update(Make(1, day0.AddHours(10), 30, merchant: merchant));
        state.Update(Make(2, day0.AddHours(11), 20, merchant: merchant));
        var sameDay = FeaturesOf(state, Make(4, day0.AddHours(12), 5, merchant: merchant));
        state.Update(Make(1, day0.AddDays(1).AddHours(9), 40, merchant: merchant));
        state.Update(Make(3, day0.AddDays(1).AddHours(10), 60, merchant: merchant));
        var nextDay = FeaturesOf(state, Make(4, day0.AddDays(1).AddHours(12), 5, merchant: merchant));
        var later = FeaturesOf(state, Make(4, day0.AddDays(2).AddHours(1), 5, merchant: merchant));

        sameDay[Col("merchant_tx_1d")].Should().Be(0, "the day is not complete yet");
        sameDay[Col("merchant_new_card_share_7d")].Should().Be(-1);
        nextDay[Col("merchant_tx_1d")].Should().Be(3);
        nextDay[Col("merchant_cards_1d")].Should().Be(2);
        nextDay[Col("merchant_amt_mean_7d")].Should().Be(20);
        nextDay[Col("merchant_new_card_share_7d")].Should().Be(1, "every card was new to the merchant on day 0");
        later[Col("merchant_tx_1d")].Should().Be(2);
        later[Col("merchant_tx_7d")].Should().Be(5);
        later[Col("merchant_new_card_share_7d")].Should().Be(4f / 5, "card 1 came back on day 1; card 3 was new");
        later[Col("merchant_cards_1d")].Should().Be(2);
    }

    [Fact]
    public void A_merchant_fraud_label_counts_only_from_the_day_every_label_of_its_day_is_known()
    {
        var delay = TimeSpan.FromDays(7);
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = delay });
        var merchant = "fraud_Compromised";
        var fraudDay = Start.Date.AddDays(3);
        var fraudTime = fraudDay.AddHours(23).AddMinutes(59);
        state.Update(Make(1, Start.Date.AddHours(8), 10, merchant: merchant));
        state.Update(Make(3, fraudDay.AddHours(12), 20, merchant: merchant));
        state.Update(Make(2, fraudTime, 900, merchant: merchant, isFraud: 1));

        for (var d = 1; d <= 12; d++)
        {
            var tx = Make(9, fraudDay.AddDays(d).AddHours(12), 5, merchant: merchant);
            var row = FeaturesOf(state, tx);
            // Every label of the fraud's day is known from the start of its day + 8 (the fraud's own at +7 23:59).
            var counted = d >= 8;
            row[Col("merchant_fraud_30d")].Should().Be(counted ? 1 : 0, $"day +{d}");
            if (counted) (fraudTime + delay).Should().BeOnOrBefore(tx.TransDateTransTime, "a label is used only once known");
            if (d == 8) row[Col("merchant_risk_7d")].Should().Be(1f / 3, "1 fraud among the 3 transactions of days -6..0");
            state.Update(tx);
        }
    }

    [Fact]
    public void A_label_of_the_delay_day_counts_from_the_second_it_is_known()
    {
        var delay = TimeSpan.FromDays(7);
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = delay });
        var merchant = "fraud_Terminal";
        var day0 = Start.Date;
        var genuineTime = day0.AddHours(8);
        var fraudTime = day0.AddHours(10);
        state.Update(Make(1, genuineTime, 10, merchant: merchant));
        state.Update(Make(2, fraudTime, 10, merchant: merchant, isFraud: 1));
        (float KnownToday, float SinceGenuine, float Fraud30d) At(DateTime time)
        {
            var row = FeaturesOf(state, Make(9, time, 5, merchant: merchant));
            return (row[Col("merchant_fraud_known_today")], row[Col("merchant_days_since_known_genuine")], row[Col("merchant_fraud_30d")]);
        }

        // Day 0 is still the open day here: a read-only Compute looks ahead to it, as ComputeAndUpdate would close it.
        At(day0.AddDays(7).AddHours(7).AddMinutes(59)).Should().Be((0f, -1f, 0f), "no label of day 0 is known before 08:00 of day 7");
        At(genuineTime + delay).Should().Be((0f, 7f, 0f), "the genuine label is known from 08:00");
        At(fraudTime + delay - TimeSpan.FromSeconds(1)).Should().Be((0f, 7f, 0f));
        state.Update(Make(3, day0.AddDays(7).AddHours(9), 10, merchant: merchant)); // day 0 now in the table
        At(fraudTime + delay).Should().Be((1f, 7f, 0f), "the fraud's label is known from 10:00, a day before the complete-day counts see it");
        At(day0.AddDays(8)).Should().Be((0f, 8f, 1f), "from day 8 day 0 is a known day: the complete-day features count it");

        // A delay of 6.5 days: day 0's labels are known from 12:00 of day 6 to 12:00 of day 7.
        var halfDay = new OnlineFeatureState(new FeatureOptions { LabelDelay = TimeSpan.FromDays(6.5) });
        var late = day0.AddHours(23);
        halfDay.Update(Make(1, late, 10, merchant: merchant, isFraud: 1));
        FeaturesOf(halfDay, Make(9, late + TimeSpan.FromDays(6.5) - TimeSpan.FromSeconds(1), 5, merchant: merchant))[Col("merchant_fraud_known_today")].Should().Be(0);
        FeaturesOf(halfDay, Make(9, late + TimeSpan.FromDays(6.5), 5, merchant: merchant))[Col("merchant_fraud_known_today")].Should().Be(1);
    }

    [Fact]
    public void First_fraud_and_genuine_times_add_up_in_any_order()
    {
        var a = new MerchantDayTotals();
        a.NoteTime(3600, fraud: true);
        a.NoteTime(100, fraud: false);
        var b = new MerchantDayTotals();
        b.NoteTime(60, fraud: true);
        a.NoteTime(7200, fraud: true, ordinaryFraud: true);
        var empty = new MerchantDayTotals();

        var ab = a;
        ab.Add(b);
        var ba = b;
        ba.Add(empty);
        ba.Add(a);
        ab.Should().Be(ba);
        (ab.FirstFraudAt, ab.FirstGenuineAt).Should().Be((61, 101), "the earliest of each, as second of day + 1 (0: none)");
        ab.FirstOrdinaryFraudAt.Should().Be(7201, "only an ordinary fraud sets it");
    }

    /// <summary>The merchant features that read fraud labels.</summary>
    private static readonly string[] LabelFeatures =
    [
        "merchant_fraud_1d", "merchant_fraud_7d", "merchant_fraud_30d", "merchant_risk_1d", "merchant_risk_7d", "merchant_risk_30d",
        "merchant_days_since_fraud", "merchant_fraud_run_days", "merchant_days_since_genuine_before_run", "merchant_fraud_run_frauds",
        "merchant_genuine_since_fraud", "merchant_fraud_run_pure", "merchant_fraud_known_today", "merchant_days_since_known_genuine",
        "merchant_fraud_run_ordinary", "merchant_ordinary_fraud_30d", "merchant_ordinary_fraud_known_today",
    ];

    [Theory]
    [InlineData(18.0, 1)]  // under twice the card's median of 10: a fraud its amount does not tell (a compromised terminal's kind)
    [InlineData(20.0, 1)]  // exactly twice: still ordinary
    [InlineData(21.0, 0)]  // over twice: an unusual amount (a one-off, as a compromised card's or a large amount's)
    public void A_fraud_counts_as_ordinary_only_at_an_amount_ordinary_for_its_card(double fraudAmount, int ordinary)
    {
        var merchant = "fraud_Terminal";
        var options = new FeatureOptions { LabelDelay = TimeSpan.FromDays(7) };
        var state = new OnlineFeatureState(options);
        var day0 = Start.AddDays(20);
        // Card 1's history elsewhere: amounts 5..15, median 10.
        foreach (var i in Enumerable.Range(0, 11)) state.Update(Make(1, Start.AddDays(i).AddHours(9), 5 + i, merchant: "fraud_Elsewhere"));
        state.Update(Make(2, day0.AddHours(8), 30, merchant: merchant));
        state.Update(Make(1, day0.AddHours(10), fraudAmount, merchant: merchant, isFraud: 1));

        // Day 7: the 10:00 label is known from 10:00; day 8 on: day 0 counts as a whole day.
        var beforeKnown = FeaturesOf(state, Make(3, day0.AddDays(7).AddHours(9), 40, merchant: merchant));
        var known = FeaturesOf(state, Make(3, day0.AddDays(7).AddHours(10), 40, merchant: merchant));
        beforeKnown[Col("merchant_ordinary_fraud_known_today")].Should().Be(0, "the label is not known before 10:00 of day 7");
        known[Col("merchant_ordinary_fraud_known_today")].Should().Be(ordinary);
        known[Col("merchant_fraud_known_today")].Should().Be(1, "a fraud is known whatever its amount");
        var day8 = FeaturesOf(state, Make(3, day0.AddDays(8).AddHours(1), 40, merchant: merchant));
        day8[Col("merchant_fraud_run_frauds")].Should().Be(1);
        day8[Col("merchant_fraud_run_ordinary")].Should().Be(ordinary);
        day8[Col("merchant_ordinary_fraud_30d")].Should().Be(ordinary);
        var day7Early = FeaturesOf(state, Make(3, day0.AddDays(7).AddHours(1), 40, merchant: merchant));
        day7Early[Col("merchant_fraud_run_ordinary")].Should().Be(-1, "no fraud run is known before day 8");
        day7Early[Col("merchant_ordinary_fraud_30d")].Should().Be(0);
    }

    [Fact]
    public void A_new_cards_fraud_is_not_ordinary()
    {
        var merchant = "fraud_Terminal";
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = TimeSpan.FromDays(7) });
        state.Update(Make(2, Start.AddHours(8), 30, merchant: merchant));
        state.Update(Make(1, Start.AddHours(10), 10, merchant: merchant, isFraud: 1));
        var day8 = FeaturesOf(state, Make(3, Start.AddDays(8).AddHours(1), 40, merchant: merchant));
        day8[Col("merchant_fraud_run_frauds")].Should().Be(1);
        day8[Col("merchant_fraud_run_ordinary")].Should().Be(0, "without history no amount is ordinary for the card");
    }

    [Fact]
    public void The_fraud_run_is_read_from_known_days_only()
    {
        var state = new OnlineFeatureState(new FeatureOptions { LabelDelay = TimeSpan.FromDays(7) });
        var terminal = "fraud_Terminal";
        var day0 = Start.Date;
        // Genuine on days 0 and 2, only frauds on days 3 and 5 (none on day 4), genuine again on day 7; day 9: fraud and genuine.
        state.Update(Make(1, day0.AddHours(9), 10, merchant: terminal));
        state.Update(Make(2, day0.AddDays(2).AddHours(9), 10, merchant: terminal));
        state.Update(Make(3, day0.AddDays(3).AddHours(9), 10, merchant: terminal, isFraud: 1));
        state.Update(Make(4, day0.AddDays(5).AddHours(9), 10, merchant: terminal, isFraud: 1));
        state.Update(Make(5, day0.AddDays(5).AddHours(10), 10, merchant: terminal, isFraud: 1));
        state.Update(Make(6, day0.AddDays(7).AddHours(9), 10, merchant: terminal));
        state.Update(Make(7, day0.AddDays(9).AddHours(9), 10, merchant: terminal, isFraud: 1));
        state.Update(Make(8, day0.AddDays(9).AddHours(10), 10, merchant: terminal));
        float[] Run(int day)
        {
            var row = FeaturesOf(state, Make(99, day0.AddDays(day).AddHours(12), 10, merchant: terminal));
            return [.. new[] { "merchant_days_since_fraud", "merchant_fraud_run_days", "merchant_days_since_genuine_before_run",
                "merchant_fraud_run_frauds", "merchant_genuine_since_fraud", "merchant_fraud_run_pure" }.Select(n => row[Col(n)])];
        }

        Run(10).Should().Equal([-1, -1, -1, -1, 0, 0], "labels known through day 2: no fraud yet");
        Run(11).Should().Equal([8, 8, 9, 1, 0, 1], "day 3 known: a run of one fraud day after the genuine day 2");
        Run(13).Should().Equal([8, 10, 11, 3, 0, 1], "day 5 known: the run spans days 3..5 (day 4 had no transaction)");
        Run(15).Should().Equal([10, 12, 13, 3, 1, 1], "day 7's genuine transaction came after the run");
        Run(17).Should().Equal([8, 8, 10, 1, 0, 0], "day 9 had a genuine transaction too: its run is that day alone");
        Run(9 + 8 + 30).Should().Equal([-1, -1, -1, -1, 0, 0], "only the 30 days ending D - 8 are read");
    }

    [Fact]
    public void Flipping_a_label_changes_merchant_features_only_once_it_is_known()
    {
        var merchant = "fraud_Flip";
        var options = new FeatureOptions { LabelDelay = TimeSpan.FromDays(7) };
        var honest = new List<Transaction> { Make(1, Start.AddHours(1), 10, merchant: merchant, isFraud: 0) };
        honest.AddRange(Enumerable.Range(1, 12).Select(d => Make(2 + d % 3, Start.AddDays(d).AddHours(5), 10, merchant: merchant)));
        var fraud = honest.Select((t, i) => i == 0 ? t with { IsFraud = 1 } : t).ToList();

        var a = Replay(honest, new OnlineFeatureState(options));
        var b = Replay(fraud, new OnlineFeatureState(options));
        for (var day = 1; day <= 12; day++)
        {
            var id = honest[day].TransNum;
            (a[id][Col("merchant_fraud_30d")] == b[id][Col("merchant_fraud_30d")]).Should().Be(day < 8, $"day {day}: day 0's labels are known from day 8");
            (a[id][Col("merchant_fraud_known_today")] == b[id][Col("merchant_fraud_known_today")]).Should().Be(day != 7,
                $"day {day}: day 0's 01:00 label is known from 01:00 of day 7, and from day 8 day 0 counts as a whole day");
            var labelColumns = LabelFeatures.Select(Col).ToHashSet();
            a[id].Where((_, c) => !labelColumns.Contains(c)).Should().Equal(b[id].Where((_, c) => !labelColumns.Contains(c)),
                "only the label features may see another card's label");
        }
    }

    [Fact]
    public void A_table_that_covers_later_days_gives_the_same_features_for_an_earlier_day()
    {
        var stream = MerchantStream(4000, 40);
        var cut = stream.Count / 2;
        var probe = stream[cut];

        // The table as a lagging reader sees it (just what the probe's day needs) and as one far ahead sees it.
        var behind = new OnlineFeatureState();
        FeatureMatrix.Prime(behind, stream.Take(cut));
        var ahead = new OnlineFeatureState();
        FeatureMatrix.Prime(ahead, stream.TakeWhile(t => t.TransDateTransTime < probe.TransDateTransTime.AddDays(20)));
        ahead.MerchantTable!.CompleteThrough.Should().BeGreaterThan(MerchantDays.Of(probe.TransDateTransTime) + 5);

        var readsBehind = new OnlineFeatureState(merchantTable: behind.MerchantTable);
        var readsAhead = new OnlineFeatureState(merchantTable: ahead.MerchantTable);
        behind.AdvanceMerchantDay(probe);
        var expected = FeaturesOf(readsBehind, probe);
        var merchant = FeatureGroups.Get(FeatureGroups.Merchant);
        FeaturesOf(readsAhead, probe).AsSpan(merchant.Offset, merchant.Count).ToArray()
            .Should().Equal(expected.AsSpan(merchant.Offset, merchant.Count).ToArray());
        expected.AsSpan(merchant.Offset, merchant.Count).ToArray().Should().Contain(v => v > 0);
    }

    [Fact]
    public void Merger_history_and_partials_survive_a_checkpoint_mid_stream()
    {
        var stream = MerchantStream(3000, 30);
        var options = FeatureOptions.Default;
        var table = new MerchantHistory(options);
        var state = new OnlineFeatureState(options, merchantTable: table);
        var merger = new MerchantDayMerger(0);
        void Run(IEnumerable<Transaction> txs, OnlineFeatureState s, MerchantDayMerger m, MerchantHistory h)
        {
            foreach (var tx in txs)
            {
                s.Update(tx);
                if (!s.MerchantPartials!.HasNews) continue;
                foreach (var (_, message) in s.MerchantPartials.TakeMessages(0, 1, 1)) m.Apply(message);
                foreach (var completed in m.TakeMessages(1)) h.Apply(completed);
            }
        }
        Run(stream.Take(1500), state, merger, table);

        using var stateBytes = new MemoryStream();
        using var mergerBytes = new MemoryStream();
        using var tableBytes = new MemoryStream();
        state.Save(stateBytes);
        merger.Save(mergerBytes);
        table.Save(tableBytes);
        stateBytes.Position = mergerBytes.Position = tableBytes.Position = 0;
        var table2 = MerchantHistory.Load(tableBytes, table.RetainDays);
        var state2 = OnlineFeatureState.Load(stateBytes, options, merchantTable: table2);
        var merger2 = MerchantDayMerger.Load(mergerBytes);

        Run(stream.Skip(1500), state, merger, table);
        Run(stream.Skip(1500), state2, merger2, table2);
        var probe = Make(99, stream[^1].TransDateTransTime.AddDays(2), 10, merchant: stream[^1].Merchant);
        table2.CompleteThrough.Should().Be(table.CompleteThrough);
        FeaturesOf(state2, probe).Should().Equal(FeaturesOf(state, probe));
        FeaturesOf(state, probe)[Col("merchant_tx_30d")].Should().BePositive();

        var shared = () => OnlineFeatureState.Load(new MemoryStream(stateBytes.ToArray()), options);
        shared.Should().Throw<InvalidDataException>().WithMessage("*reads a shared merchant table; none was given*", "a checkpoint of a Scoring partition needs the shared table");
    }

    [Fact]
    public void A_partition_whose_progress_was_lost_completes_the_day_once_it_announces_again()
    {
        var merger = new MerchantDayMerger(0);
        var partitions = new[] { new MerchantPartials(30), new MerchantPartials(30) };
        for (var p = 0; p < 2; p++)
        {
            partitions[p].Advance(7000);
            partitions[p].Add(p + 1, 42, 7000, secondOfDay: 3600, fraud: false, amount: 10);
            partitions[p].Advance(7001); // day 7000 closed on both
        }
        foreach (var (_, message) in partitions[0].TakeMessages(0, 2, 1)) merger.Apply(message);
        partitions[1].TakeMessages(1, 2, 1); // sent to a log that is gone
        merger.CompleteThrough.Should().BeLessThan(7000, "the merger has not heard partition 1 close the day");

        partitions[1].HasNews.Should().BeFalse();
        partitions[1].Reannounce();
        partitions[1].HasNews.Should().BeTrue();
        foreach (var (_, message) in partitions[1].TakeMessages(1, 2, 1)) merger.Apply(message);
        merger.CompleteThrough.Should().Be(7000);
        merger.DuplicateDays.Should().Be(0);
    }

    [Fact]
    public void Merchant_messages_round_trip_and_refuse_garbage()
    {
        var days = Enumerable.Range(0, 5).Select(i => new MerchantDay((ulong)i * 977, 7000 + i,
            new MerchantDayTotals { Transactions = i + 1, Cards = 1, NewCardTransactions = i, Frauds = i % 2 + 1, OrdinaryFrauds = i % 2, AmountCents = 1250 * i, FirstFraudAt = i % 2 * 86_400, FirstGenuineAt = i + 1, FirstOrdinaryFraudAt = i % 2 * 3_600 })).ToList();
        var message = new MerchantMessage(MerchantMessageKind.Partials, 2, 4, 7003, 7004, true, days);
        var back = MerchantMessage.Decode(message.Encode());
        back.Days.Should().Equal(days);
        (back with { Days = days }).Should().Be(message with { Days = days });

        var chunks = MerchantMessage.Chunk(MerchantMessageKind.Table, 0, 1, 7, 8, Enumerable.Repeat(days[0], MerchantMessage.MaxDaysPerMessage + 3).ToList()).ToList();
        chunks.Should().HaveCount(2);
        chunks.Select(c => c.Final).Should().Equal(false, true);
        MerchantMessage.Chunk(MerchantMessageKind.Table, 0, 1, 7, 8, []).Should().ContainSingle().Which.Final.Should().BeTrue();

        var truncated = () => MerchantMessage.Decode(message.Encode()[..20]);
        truncated.Should().Throw<InvalidDataException>();
        var badTime = new MerchantMessage(MerchantMessageKind.Partials, 2, 4, 7003, 7004, true,
            [days[0] with { Totals = days[0].Totals with { FirstGenuineAt = 86_401 } }]);
        var outOfDay = () => MerchantMessage.Decode(badTime.Encode());
        outOfDay.Should().Throw<InvalidDataException>().WithMessage("*Corrupt*");
        var moreOrdinaryThanFrauds = new MerchantMessage(MerchantMessageKind.Partials, 2, 4, 7003, 7004, true,
            [days[0] with { Totals = days[0].Totals with { OrdinaryFrauds = 2 } }]);
        var impossible = () => MerchantMessage.Decode(moreOrdinaryThanFrauds.Encode());
        impossible.Should().Throw<InvalidDataException>().WithMessage("*Corrupt*");
        var garbage = () => MerchantMessage.Decode([9, 9, 9]);
        garbage.Should().Throw<InvalidDataException>().WithMessage("*format 9*");
    }

    [Fact]
    public void Without_merchant_or_category_inputs_the_features_that_need_them_are_minus_one()
    {
        var stream = Stream(500, cards: 5);
        var handbookLike = new FeatureSelection(TransactionInputs.Required | TransactionInputs.Label, ["all"]);
        var state = new OnlineFeatureState(selection: handbookLike);
        var rows = Replay(stream, state);
        var undefined = FeatureDefinitions.All.Select((d, i) => (d, i)).Where(x => x.d.Requires != TransactionInputs.None).Select(x => x.i).ToList();
        undefined.Should().Contain([Col("category"), Col("age_years"), Col("home_merchant_km"), Col("cat_amt_mean"), Col("first_time_state")]);
        rows.Values.Should().OnlyContain(row => undefined.All(c => row[c] == -1));
        handbookLike.Schema.Names.Should().NotContain(["category", "age_years", "home_merchant_km"]).And.Contain(["amt", "merchant_risk_7d", "card_known_frauds"]);

        var matrix = FeatureMatrix.Build(stream, new OnlineFeatureState(selection: handbookLike));
        matrix.Schema.Should().Be(handbookLike.Schema);
        matrix.Columns.Should().Be(FeatureSchema.Current.Count - undefined.Count);
        handbookLike.Schema.IsSelectionOf(FeatureSchema.Current).Should().BeTrue();
        FeatureSelection.Parse("card").Schema.Names.Should().NotContain(n => n.StartsWith("merchant_tx", StringComparison.Ordinal));
    }
}
