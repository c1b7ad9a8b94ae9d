using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using static FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Features;

public class StateTests
{
    [Fact]
    public void Idle_cards_are_freed_so_memory_stays_bounded_under_many_cards()
    {
        var options = new FeatureOptions { CardIdleReset = TimeSpan.FromDays(1), EvictionSlack = TimeSpan.FromHours(12) };
        var state = new OnlineFeatureState(options);
        var maxHeld = 0;
        // 60,000 distinct cards, one every 10 seconds (about 7 days): at most reset + slack + the 6-hour sweep
        // interval (1.75 days) of them may be held.
        for (var i = 0; i < 60_000; i++)
        {
            state.Update(Make(5_000_000_000_000_000L + i, Start.AddSeconds(i * 10), 10));
            maxHeld = Math.Max(maxHeld, state.CardCount);
        }
        maxHeld.Should().BeLessThanOrEqualTo((int)(1.75 * 86400 / 10) + 1);
        state.CardCount.Should().BeLessThan(60_000);
        state.EvictedCards.Should().BeGreaterThan(40_000);
    }

    [Fact]
    public void MaxCards_caps_the_cards_held_even_when_all_are_active()
    {
        var state = new OnlineFeatureState(new FeatureOptions { MaxCards = 1000 });
        for (var i = 0; i < 20_000; i++) state.Update(Make(6_000_000_000_000_000L + i, Start.AddSeconds(i), 10));
        state.CardCount.Should().BeLessThanOrEqualTo(1000);
        OnlineFeatureState.BytesPerCard.Should().BeInRange(1000, 8000);
    }

    [Fact]
    public void A_card_idle_past_the_reset_restarts_empty_whether_or_not_it_was_freed()
    {
        var options = new FeatureOptions { CardIdleReset = TimeSpan.FromDays(10), EvictionSlack = TimeSpan.FromDays(1) };
        var card = 4555L;
        var history = Enumerable.Range(0, 10).Select(i => Make(card, Start.AddHours(i), 30)).ToList();
        var comeback = Make(card, Start.AddDays(40), 30);

        // The card's own history only: the merchant features (other cards at the same merchant) differ by design.
        var quiet = new OnlineFeatureState(options, CardOnly); // sees only this card: never sweeps it
        FeatureMatrix.Prime(quiet, history);
        var busy = new OnlineFeatureState(options, CardOnly);  // other traffic moves its clock on: the card is freed
        FeatureMatrix.Prime(busy, history);
        for (var day = 1; day < 40; day++) busy.Update(Make(9999, Start.AddDays(day), 5));
        busy.CardCount.Should().Be(1, "the idle card was freed, the busy one kept");

        var expected = FeaturesOf(new OnlineFeatureState(options, CardOnly), comeback);
        FeaturesOf(quiet, comeback).Should().Equal(expected);
        FeaturesOf(busy, comeback).Should().Equal(expected);
        expected[Col("card_tx_count")].Should().Be(0);
    }

    [Fact]
    public void Save_then_load_gives_identical_subsequent_features()
    {
        var stream = Stream(4000, cards: 30, fraudRate: 0.05);
        var original = new OnlineFeatureState();
        FeatureMatrix.Prime(original, stream.Take(2500));

        using var checkpoint = new MemoryStream();
        original.Save(checkpoint);
        checkpoint.Position = 0;
        var restored = OnlineFeatureState.Load(checkpoint);
        checkpoint.Position.Should().Be(checkpoint.Length, "Load reads exactly what Save wrote");

        restored.CardCount.Should().Be(original.CardCount);
        restored.Clock.Should().Be(original.Clock);
        var after = stream.Skip(2500).ToList();
        Replay(after, restored).ShouldHaveSameRows(Replay(after, original));

        // Saving the restored state again gives the same bytes as saving the original.
        using var a = new MemoryStream();
        using var b = new MemoryStream();
        original.Save(a);
        restored.Save(b);
        a.ToArray().Should().Equal(b.ToArray());
    }

    [Fact]
    public void Load_refuses_other_options_and_corrupt_or_truncated_checkpoints()
    {
        var state = new OnlineFeatureState();
        FeatureMatrix.Prime(state, Stream(500, cards: 5));
        using var checkpoint = new MemoryStream();
        state.Save(checkpoint);
        var bytes = checkpoint.ToArray();

        var otherDelay = () => OnlineFeatureState.Load(new MemoryStream(bytes), new FeatureOptions { LabelDelay = TimeSpan.FromDays(3) });
        otherDelay.Should().Throw<InvalidDataException>().WithMessage("*label delay*");

        var truncated = () => OnlineFeatureState.Load(new MemoryStream(bytes[..(bytes.Length / 2)]));
        truncated.Should().Throw<InvalidDataException>().WithMessage("*truncated*");

        var garbage = () => OnlineFeatureState.Load(new MemoryStream(new byte[100]));
        garbage.Should().Throw<InvalidDataException>().WithMessage("*magic*");
    }

    [Fact]
    public void Card_interleaving_and_partitioning_never_change_a_feature()
    {
        // Card features: any interleaving of cards, any partitioning. (Merchant features add up all cards, so they are
        // partition-independent through the merchant stage: MerchantFeatureTests.)
        var stream = Stream(4000, cards: 40, fraudRate: 0.05);
        var oneInstance = Replay(stream, new OnlineFeatureState(selection: CardOnly));

        // Reverse the order between cards while each card keeps its own order.
        var byCard = stream.GroupBy(t => t.CcNum).Reverse().SelectMany(g => g).ToList();
        var reordered = new OnlineFeatureState(selection: CardOnly);
        Replay(byCard, reordered).ShouldHaveSameRows(oneInstance);
        reordered.OutOfOrderUpdates.Should().Be(0, "each card's own order is kept");

        // Scoring's layout: one state per Kafka partition (key = cc_num).
        var partitioned = new Dictionary<string, float[]>();
        foreach (var partition in stream.GroupBy(t => t.CcNum % 4))
        {
            foreach (var (id, row) in Replay(partition, new OnlineFeatureState(selection: CardOnly))) partitioned[id] = row;
        }
        partitioned.ShouldHaveSameRows(oneInstance);
    }

    [Fact]
    public void Every_feature_is_finite_and_the_matrix_matches_online_compute()
    {
        var stream = Stream(3000, cards: 20);
        var history = stream.Take(1000).ToList();
        var rows = stream.Skip(1000).ToList();
        var matrix = FeatureMatrix.Build(history, rows, new OnlineFeatureState());
        var emitted = FeatureMatrix.Build(stream, emit: tx => tx.TransDateTransTime >= rows[0].TransDateTransTime);

        matrix.Rows.Should().Be(2000);
        matrix.Values.AsSpan(0, matrix.Rows * matrix.Columns).ToArray().Should().OnlyContain(v => float.IsFinite(v));
        emitted.Values.AsSpan(0, emitted.Rows * emitted.Columns).ToArray()
            .Should().Equal(matrix.Values.AsSpan(0, matrix.Rows * matrix.Columns).ToArray());
        matrix.TransactionIds[0].Should().Be(rows[0].TransNum);
        matrix.Labels.Take(matrix.Rows).Should().OnlyContain(l => l == 0 || l == 1);

        var online = new OnlineFeatureState();
        FeatureMatrix.Prime(online, history);
        FeaturesOf(online, rows[0]).Should().Equal(matrix.Row(0).ToArray());
    }

    [Fact]
    public void Incremental_median_window_equals_the_median_of_the_last_32_amounts()
    {
        var stream = Stream(3000, cards: 6);
        var rows = Replay(stream, new OnlineFeatureState());
        var history = new Dictionary<long, List<float>>();
        foreach (var tx in stream)
        {
            var amounts = history.TryGetValue(tx.CcNum, out var list) ? list : history[tx.CcNum] = [];
            if (amounts.Count > 0)
            {
                var last = amounts.TakeLast(32).Order().ToArray();
                var n = last.Length;
                var expected = n % 2 == 1 ? last[n / 2] : (float)((last[n / 2 - 1] + (double)last[n / 2]) / 2);
                rows[tx.TransNum][Col("amt_median_recent")].Should().Be(expected);
            }
            amounts.Add((float)tx.Amt);
        }
        history.Values.Should().Contain(l => l.Count > 300, "cards must outgrow the window and the ring");
    }

    [Fact]
    public void Bad_input_is_refused_with_a_reason_and_leaves_the_state_unchanged()
    {
        var state = new OnlineFeatureState();
        var good = Make(4666, Start, 10);
        state.Update(good);
        var row = new float[FeatureSchema.Current.Count];

        var nan = () => state.Update(Make(4666, Start.AddHours(1), double.NaN));
        nan.Should().Throw<ArgumentException>().WithMessage("*amt is not a finite number*");
        var huge = () => state.Update(Make(4666, Start.AddHours(1), 1e12));
        huge.Should().Throw<ArgumentException>().WithMessage("*amt 1000000000000 is beyond*");
        var old = () => state.Compute(Make(4666, new DateTime(1990, 1, 1), 10), row);
        old.Should().Throw<ArgumentException>().WithMessage("*trans_date_trans_time*");
        var shortSpan = () => state.Compute(good, new float[3]);
        shortSpan.Should().Throw<ArgumentException>().WithMessage("*feature span*");

        state.Compute(Make(4666, Start.AddHours(2), 10), row);
        row[Col("card_tx_count")].Should().Be(1);

        state.Update(Make(4666, Start.AddMinutes(-5), 10));
        state.OutOfOrderUpdates.Should().Be(1, "a transaction older than the card's newest one is counted");
        OnlineFeatureState.Validate(good).Should().BeNull();
    }

    [Fact]
    public void Static_transaction_fields_are_encoded()
    {
        var tx = Make(4777, new DateTime(2020, 6, 6, 23, 15, 0), 99.5, "misc_net") with
        {
            Gender = "F",
            Dob = new DateOnly(1990, 6, 6),
            Lat = 40,
            Long = -74,
            MerchLat = 41,
            MerchLong = -74,
            CityPop = 999,
        };
        var f = FeaturesOf(new OnlineFeatureState(), tx);
        f[Col("amt")].Should().Be(99.5f);
        f[Col("log_amt")].Should().BeApproximately((float)Math.Log(100.5), 1e-5f);
        f[Col("hour")].Should().Be(23);
        f[Col("is_night")].Should().Be(1);
        f[Col("day_of_week")].Should().Be(5, "2020-06-06 was a Saturday");
        f[Col("is_weekend")].Should().Be(1);
        f[Col("age_years")].Should().BeApproximately(30f, 0.01f);
        f[Col("gender")].Should().Be(0);
        f[Col("log_city_pop")].Should().BeApproximately((float)Math.Log(1000), 1e-5f);
        f[Col("home_merchant_km")].Should().BeApproximately(111.2f, 0.2f, "one degree of latitude");
        f[Col("category")].Should().Be(8);
        FeaturesOf(new OnlineFeatureState(), tx with { Category = "crypto" })[Col("category")].Should().Be(-1);
        FeatureCategories.Names.Should().HaveCount(14);
    }
}
