using FraudDetection.Core.Transactions;
using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Tests.Producer;

public class SyntheticTrafficTests
{
    private static readonly DateTime Start = new(2024, 3, 1, 8, 0, 0);

    private static List<SyntheticTransaction> Generate(string scenario, int count, double share = 0.05, int seed = 7) =>
        new SyntheticTraffic(new SyntheticSettings { Scenario = scenario, Seed = seed, FraudShare = share, Start = Start }).Take(count).ToList();

    private static double SpeedKmh(Transaction a, Transaction b)
    {
        var km = Geo.DistanceKm(a.MerchLat, a.MerchLong, b.MerchLat, b.MerchLong);
        var hours = Math.Max((b.TransDateTransTime - a.TransDateTransTime).TotalHours, 1.0 / 3600);
        return km / hours;
    }

    [Fact]
    public void The_same_seed_gives_the_same_stream_and_another_seed_another()
    {
        var first = Generate(FraudScenarios.Mix, 3000);
        var again = Generate(FraudScenarios.Mix, 3000);
        var other = Generate(FraudScenarios.Mix, 3000, seed: 8);

        again.Should().Equal(first);
        other.Select(t => t.Transaction.TransNum).Should().NotIntersectWith(first.Select(t => t.Transaction.TransNum));
    }

    [Fact]
    public void Events_come_in_time_order_with_unique_ids_and_consistent_unix_time()
    {
        var stream = Generate(FraudScenarios.Mix, 5000).Select(s => s.Transaction).ToList();

        stream.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder();
        stream.Select(t => t.TransNum).Should().OnlyHaveUniqueItems();
        stream.Should().OnlyContain(t => t.UnixTime == KaggleTime.UnixTime(t.TransDateTransTime));
        stream.Should().OnlyContain(t => t.Amt > 0 && t.Merchant.StartsWith("fraud_") && t.CcNum > 0);
        stream[0].TransDateTransTime.Should().BeOnOrAfter(Start);
    }

    [Fact]
    public void Normal_traffic_has_no_fraud_and_follows_holder_habits()
    {
        var stream = Generate(FraudScenarios.Normal, 5000, share: 0.5);

        stream.Should().OnlyContain(s => s.Transaction.IsFraud == 0 && s.Scenario == FraudScenarios.Normal);
        stream.Select(s => s.Transaction.Category).Distinct().Should().HaveCount(ReferenceData.Categories.Count);
        stream.Select(s => s.Transaction.CcNum).Distinct().Count().Should().BeGreaterThan(500);
        // Most holders are day people: daytime hours carry most of the traffic.
        stream.Count(s => s.Transaction.TransDateTransTime.Hour is >= 7 and <= 21).Should().BeGreaterThan(stream.Count * 7 / 10);
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.10)]
    [InlineData(0.30)]
    public void Mix_hits_the_asked_fraud_share_with_every_pattern(double share)
    {
        var stream = Generate(FraudScenarios.Mix, 20_000, share);

        var fraud = stream.Count(s => s.Transaction.IsFraud == 1) / (double)stream.Count;
        fraud.Should().BeApproximately(share, Math.Max(0.005, share * 0.1));
        stream.Where(s => s.Transaction.IsFraud == 1).Select(s => s.Scenario).Distinct()
            .Should().BeEquivalentTo(FraudScenarios.Patterns);
    }

    [Fact]
    public void Card_testing_is_many_tiny_amounts_on_one_card_within_minutes_then_a_large_one()
    {
        var stream = Generate(FraudScenarios.CardTesting, 10_000);
        var byCard = stream.Where(s => s.Scenario == FraudScenarios.CardTesting).GroupBy(s => s.Transaction.CcNum).ToList();

        byCard.Should().HaveCountGreaterThan(5);
        foreach (var card in byCard)
        {
            var events = card.Select(s => s.Transaction).OrderBy(t => t.TransDateTransTime).ToList();
            events.Should().OnlyContain(t => t.IsFraud == 1);
            var tiny = events.Where(t => t.Amt < 5).ToList();
            tiny.Count.Should().BeGreaterThanOrEqualTo(5);
            // The first five tiny ones fall within 15 minutes...
            (tiny[4].TransDateTransTime - tiny[0].TransDateTransTime).Should().BeLessThan(TimeSpan.FromMinutes(15));
            // ...and a large one follows them within half an hour.
            var lastTiny = tiny[^1].TransDateTransTime;
            events.Should().Contain(t => t.Amt >= 400 && t.TransDateTransTime > lastTiny
                                         && t.TransDateTransTime - lastTiny < TimeSpan.FromMinutes(30));
        }
    }

    [Fact]
    public void Geographic_anomaly_has_consecutive_transactions_of_a_card_faster_than_an_airliner()
    {
        var stream = Generate(FraudScenarios.GeographicAnomaly, 10_000);
        var fraudCards = stream.Where(s => s.Scenario == FraudScenarios.GeographicAnomaly && s.Transaction.IsFraud == 1)
            .Select(s => s.Transaction.CcNum).ToHashSet();

        fraudCards.Should().HaveCountGreaterThan(5);
        foreach (var card in fraudCards)
        {
            var events = stream.Select(s => s.Transaction).Where(t => t.CcNum == card).OrderBy(t => t.TransDateTransTime).ToList();
            var fastest = events.Zip(events.Skip(1), SpeedKmh).Max();
            fastest.Should().BeGreaterThan(SyntheticTraffic.AirlineSpeedKmh, $"card {CardMask.Mask(card)} travels impossibly fast");
        }
        // Normal traffic never does.
        var normalHops = stream.Where(s => !fraudCards.Contains(s.Transaction.CcNum)).GroupBy(s => s.Transaction.CcNum)
            .SelectMany(card =>
            {
                var events = card.Select(s => s.Transaction).OrderBy(t => t.TransDateTransTime).ToList();
                return events.Zip(events.Skip(1), (a, b) => Geo.DistanceKm(a.MerchLat, a.MerchLong, b.MerchLat, b.MerchLong));
            })
            .ToList();
        normalHops.Should().NotBeEmpty().And.OnlyContain(km => km < 400, "normal purchases stay within a degree of home");
    }

    [Fact]
    public void Account_takeover_is_a_run_of_large_online_or_travel_purchases_on_one_card()
    {
        var traffic = new SyntheticTraffic(new SyntheticSettings { Scenario = FraudScenarios.AccountTakeover, Seed = 3, Start = Start });
        for (var i = 0; i < 20; i++)
        {
            var events = traffic.CreateInstance(FraudScenarios.AccountTakeover, Start).Select(s => s.Transaction).ToList();

            events.Should().HaveCountGreaterThanOrEqualTo(3);
            events.Select(t => t.CcNum).Distinct().Should().ContainSingle();
            events.Should().OnlyContain(t => t.IsFraud == 1 && t.Amt >= 250);
            events.Should().OnlyContain(t => t.Category == "shopping_net" || t.Category == "misc_net" || t.Category == "travel");
            (events[^1].TransDateTransTime - events[0].TransDateTransTime).Should().BeLessThan(TimeSpan.FromHours(3));
        }
    }

    [Fact]
    public void Merchant_collusion_is_a_ring_of_new_merchants_shared_by_many_compromised_cards()
    {
        var stream = Generate(FraudScenarios.MerchantCollusion, 20_000);
        var normalMerchants = stream.Where(s => s.Scenario == FraudScenarios.Normal).Select(s => s.Transaction.Merchant).ToHashSet();
        var ringEvents = stream.Where(s => s.Scenario == FraudScenarios.MerchantCollusion).Select(s => s.Transaction).ToList();

        ringEvents.Should().NotBeEmpty().And.OnlyContain(t => t.IsFraud == 1);
        ringEvents.Select(t => t.Merchant).Should().NotIntersectWith(normalMerchants, "ring merchants are not catalog merchants");
        var cardsPerMerchant = ringEvents.GroupBy(t => t.Merchant).Select(g => g.Select(t => t.CcNum).Distinct().Count()).ToList();
        cardsPerMerchant.Average().Should().BeGreaterThan(2.5, "each ring merchant is paid by several compromised cards");

        var traffic = new SyntheticTraffic(new SyntheticSettings { Seed = 5, Start = Start });
        var instance = traffic.CreateInstance(FraudScenarios.MerchantCollusion, Start).Select(s => s.Transaction).ToList();
        instance.Select(t => t.Merchant).Distinct().Count().Should().BeInRange(3, 5);
        instance.Select(t => t.CcNum).Distinct().Count().Should().BeGreaterThanOrEqualTo(8);
        (instance.Max(t => t.TransDateTransTime) - instance.Min(t => t.TransDateTransTime)).Should().BeLessThan(TimeSpan.FromMinutes(90));
    }

    [Fact]
    public void Unknown_scenarios_and_shares_out_of_range_are_refused()
    {
        var unknown = () => new SyntheticTraffic(new SyntheticSettings { Scenario = "phishing" });
        var share = () => new SyntheticTraffic(new SyntheticSettings { FraudShare = 1.5 });
        var traffic = new SyntheticTraffic(new SyntheticSettings());

        unknown.Should().Throw<ArgumentException>().WithMessage("*phishing*");
        share.Should().Throw<ArgumentOutOfRangeException>();
        traffic.Invoking(t => t.CreateInstance(FraudScenarios.Normal, Start)).Should().Throw<ArgumentException>();
    }
}
