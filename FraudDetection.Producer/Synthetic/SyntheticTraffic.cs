namespace FraudDetection.Producer.Synthetic;

/// <summary>Settings of a synthetic stream.</summary>
public sealed record SyntheticSettings
{
    /// <summary>normal, a pattern name, or mix.</summary>
    public string Scenario { get; init; } = FraudScenarios.Mix;

    public int Seed { get; init; } = 42;

    /// <summary>Share of transactions labelled fraud (ignored for <c>normal</c>).</summary>
    public double FraudShare { get; init; } = 0.02;

    public int CardHolders { get; init; } = 1000;

    /// <summary>Local time of the first event (event times run on a simulated clock from here).</summary>
    public DateTime Start { get; init; } = new(2020, 6, 21, 0, 0, 0);
}

/// <summary>
/// Synthetic card traffic in the Kaggle schema. Normal transactions arrive as a Poisson stream over the population
/// (each holder at their own daily rate, thinned by their hour-of-day habits); fraud pattern instances are scheduled
/// on top so that the labelled share tracks <see cref="SyntheticSettings.FraudShare"/>. Events come out in time order.
/// Deterministic for a seed and a start time; the population for a seed.
/// </summary>
public sealed class SyntheticTraffic
{
    /// <summary>Airliner cruising speed; the geographic-anomaly pattern always implies travel faster than this.</summary>
    public const double AirlineSpeedKmh = 900;

    private readonly SyntheticSettings _settings;
    private readonly Random _random;
    private readonly PriorityQueue<SyntheticTransaction, (DateTime Time, long Sequence)> _scheduled = new();
    private readonly double _eventsPerSecond;
    private readonly string[] _patterns;
    private long _sequence;
    private DateTime _clock;
    private SyntheticTransaction? _nextNormal;
    private long _emitted;
    private long _fraudEmitted;
    private long _fraudScheduled;

    public SyntheticTraffic(SyntheticSettings settings)
    {
        var scenario = FraudScenarios.Parse(settings.Scenario)
                       ?? throw new ArgumentException($"Unknown scenario '{settings.Scenario}'. Use one of: {string.Join(", ", FraudScenarios.All)}.");
        if (settings.FraudShare is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), "The fraud share must be in [0, 1).");
        }
        _settings = settings with { Scenario = scenario };
        // The population depends on the seed only and the events on the seed and the start, so two runs with one seed
        // over consecutive periods are the same card holders carrying on (a training file and a later test file).
        Population = new SyntheticPopulation(settings.CardHolders, new Random(settings.Seed));
        _random = new Random(EventSeed(settings.Seed, settings.Start));
        _eventsPerSecond = Population.TotalDailyRate / 86_400.0;
        _clock = settings.Start;
        _patterns = scenario == FraudScenarios.Mix ? [.. FraudScenarios.Patterns]
            : FraudScenarios.IsPattern(scenario) ? [scenario]
            : [];
    }

    public SyntheticPopulation Population { get; }

    // SplitMix64's finalizer over the seed and the start second: a fixed mix (HashCode is randomized per process).
    private static int EventSeed(int seed, DateTime start)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(start.Ticks / TimeSpan.TicksPerSecond));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    public string Scenario => _settings.Scenario;

    /// <summary>The next event in time order (the stream never ends).</summary>
    public SyntheticTransaction Next()
    {
        _nextNormal ??= NextNormal();
        var share = _patterns.Length == 0 ? 0 : _settings.FraudShare;
        // Start a pattern instance whenever the labelled share (emitted + already scheduled) falls behind the target.
        if (share > 0 && _fraudEmitted + _fraudScheduled < share * (_emitted + _scheduled.Count + 1))
        {
            var pattern = _patterns[_random.Next(_patterns.Length)];
            foreach (var item in CreateInstance(pattern, _clock))
            {
                Schedule(item);
            }
        }
        SyntheticTransaction next;
        if (_scheduled.TryPeek(out _, out var top) && top.Time <= _nextNormal.Value.Transaction.TransDateTransTime)
        {
            next = _scheduled.Dequeue();
            if (next.Transaction.IsFraud == 1)
            {
                _fraudScheduled--;
            }
        }
        else
        {
            next = _nextNormal.Value;
            _nextNormal = null;
        }
        _emitted++;
        if (next.Transaction.IsFraud == 1)
        {
            _fraudEmitted++;
        }
        _clock = next.Transaction.TransDateTransTime;
        return next;
    }

    public IEnumerable<SyntheticTransaction> Take(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return Next();
        }
    }

    /// <summary>
    /// One instance of a fraud pattern starting at <paramref name="start"/>, in time order (used by the stream and by
    /// bursts). Every event is labelled fraud except the genuine home transaction that opens a geographic anomaly.
    /// </summary>
    public IReadOnlyList<SyntheticTransaction> CreateInstance(string pattern, DateTime start)
    {
        var events = pattern switch
        {
            FraudScenarios.CardTesting => CardTesting(start),
            FraudScenarios.AccountTakeover => AccountTakeover(start),
            FraudScenarios.MerchantCollusion => MerchantCollusion(start),
            FraudScenarios.GeographicAnomaly => GeographicAnomaly(start),
            _ => throw new ArgumentException($"'{pattern}' is not a fraud pattern. Use one of: {string.Join(", ", FraudScenarios.Patterns)}."),
        };
        events.Sort((a, b) => a.Transaction.TransDateTransTime.CompareTo(b.Transaction.TransDateTransTime));
        return events;
    }

    private void Schedule(SyntheticTransaction item)
    {
        _scheduled.Enqueue(item, (item.Transaction.TransDateTransTime, _sequence++));
        if (item.Transaction.IsFraud == 1)
        {
            _fraudScheduled++;
        }
    }

    private SyntheticTransaction NextNormal()
    {
        var time = _nextNormal?.Transaction.TransDateTransTime ?? _clock;
        while (true)
        {
            // Poisson arrivals over the population, thinned by the chosen holder's hour-of-day habit.
            time = time.AddSeconds(Math.Max(1, Math.Round(-Math.Log(1 - _random.NextDouble()) / _eventsPerSecond)));
            var holder = Population.PickActive(_random);
            if (_random.NextDouble() > holder.HourWeights[time.Hour])
            {
                continue;
            }
            var category = PickCategory(holder);
            var merchant = Population.PickMerchant(_random, category.Name);
            var amount = TypicalAmount(holder, category);
            var (merchLat, merchLong) = NearHome(holder, 1.0);
            return new SyntheticTransaction(Build(holder, time, merchant, amount, merchLat, merchLong, isFraud: 0), FraudScenarios.Normal);
        }
    }

    // A burst of tiny amounts on one card within minutes (is the card live?), then large ones.
    private List<SyntheticTransaction> CardTesting(DateTime start)
    {
        var victim = Population.PickAny(_random);
        var testingCategories = new[] { "misc_net", "shopping_net", "misc_pos", "grocery_pos" };
        var merchant = Population.PickMerchant(_random, testingCategories[_random.Next(testingCategories.Length)]);
        var events = new List<SyntheticTransaction>();
        var time = start.AddSeconds(_random.Next(1, 30));
        var small = 5 + _random.Next(6);
        for (var i = 0; i < small; i++)
        {
            var amount = Math.Round(0.5 + _random.NextDouble() * 4.4, 2);
            var (lat, lon) = NearHome(victim, 1.0);
            events.Add(new(Build(victim, time, merchant, amount, lat, lon, 1), FraudScenarios.CardTesting));
            time = time.AddSeconds(10 + _random.Next(80));
        }
        var large = 1 + _random.Next(3);
        for (var i = 0; i < large; i++)
        {
            time = time.AddSeconds(120 + _random.Next(480));
            var target = Population.PickMerchant(_random, _random.Next(2) == 0 ? "shopping_net" : "shopping_pos");
            var (lat, lon) = NearHome(victim, 1.0);
            events.Add(new(Build(victim, time, target, Math.Round(400 + _random.NextDouble() * 1100, 2), lat, lon, 1), FraudScenarios.CardTesting));
        }
        return events;
    }

    // Someone else drives the account: several large online/travel purchases in quick succession.
    private List<SyntheticTransaction> AccountTakeover(DateTime start)
    {
        var victim = Population.PickAny(_random);
        var categories = new[] { "shopping_net", "misc_net", "travel" };
        var events = new List<SyntheticTransaction>();
        var time = start.AddSeconds(_random.Next(1, 120));
        var count = 3 + _random.Next(4);
        for (var i = 0; i < count; i++)
        {
            var merchant = Population.PickMerchant(_random, categories[_random.Next(categories.Length)]);
            var amount = Math.Round(Math.Max(250, TypicalAmount(victim, merchant.Category) * (5 + 10 * _random.NextDouble())), 2);
            var (lat, lon) = NearHome(victim, 1.0);
            events.Add(new(Build(victim, time, merchant, Math.Min(amount, 3000), lat, lon, 1), FraudScenarios.AccountTakeover));
            time = time.AddSeconds(180 + _random.Next(1320));
        }
        return events;
    }

    // A ring of new merchants that many compromised cards pay within a short window.
    private List<SyntheticTransaction> MerchantCollusion(DateTime start)
    {
        var ringSize = 3 + _random.Next(3);
        var ringCategories = new[] { "misc_net", "shopping_net", "misc_pos" };
        var ring = new List<Merchant>();
        for (var i = 0; i < ringSize; i++)
        {
            var categoryName = ringCategories[_random.Next(ringCategories.Length)];
            var category = ReferenceData.Categories.First(c => c.Name == categoryName);
            ring.Add(new Merchant(SyntheticPopulation.NewMerchantName(_random, Population.MerchantNames), category));
        }
        var cards = 8 + _random.Next(9);
        var victims = new HashSet<CardHolder>();
        while (victims.Count < Math.Min(cards, Population.Holders.Count))
        {
            victims.Add(Population.PickAny(_random));
        }
        var events = new List<SyntheticTransaction>();
        foreach (var victim in victims)
        {
            var purchases = 1 + _random.Next(2);
            for (var i = 0; i < purchases; i++)
            {
                var time = start.AddSeconds(_random.Next(1, 5400));
                var (lat, lon) = NearHome(victim, 1.0);
                var amount = Math.Round(150 + _random.NextDouble() * 750, 2);
                events.Add(new(Build(victim, time, ring[_random.Next(ring.Count)], amount, lat, lon, 1), FraudScenarios.MerchantCollusion));
            }
        }
        return events;
    }

    // A genuine purchase at home, then minutes later purchases over 1,500 km away: impossible travel.
    private List<SyntheticTransaction> GeographicAnomaly(DateTime start)
    {
        var victim = Population.PickAny(_random);
        var far = ReferenceData.Cities.Where(c => Geo.DistanceKm(victim.Lat, victim.Long, c.Lat, c.Long) >= 1500).ToList();
        var city = far.Count > 0
            ? far[_random.Next(far.Count)]
            : ReferenceData.Cities.MaxBy(c => Geo.DistanceKm(victim.Lat, victim.Long, c.Lat, c.Long))!;
        var events = new List<SyntheticTransaction>();
        var time = start.AddSeconds(_random.Next(1, 60));
        var homeCategoryName = _random.Next(2) == 0 ? "grocery_pos" : "gas_transport";
        var homeCategory = ReferenceData.Categories.First(c => c.Name == homeCategoryName);
        var (homeLat, homeLong) = NearHome(victim, 0.05);
        events.Add(new(Build(victim, time, Population.PickMerchant(_random, homeCategory.Name), TypicalAmount(victim, homeCategory), homeLat, homeLong, 0),
            FraudScenarios.GeographicAnomaly));
        time = time.AddSeconds(300 + _random.Next(2400));
        var count = 1 + _random.Next(3);
        var categories = new[] { "shopping_pos", "travel", "entertainment", "misc_pos" };
        for (var i = 0; i < count; i++)
        {
            var lat = Math.Round(city.Lat + (_random.NextDouble() - 0.5) * 0.1, 6);
            var lon = Math.Round(city.Long + (_random.NextDouble() - 0.5) * 0.1, 6);
            var merchant = Population.PickMerchant(_random, categories[_random.Next(categories.Length)]);
            events.Add(new(Build(victim, time, merchant, Math.Round(100 + _random.NextDouble() * 1100, 2), lat, lon, 1), FraudScenarios.GeographicAnomaly));
            time = time.AddSeconds(120 + _random.Next(780));
        }
        return events;
    }

    private SpendingCategory PickCategory(CardHolder holder)
    {
        var index = Array.BinarySearch(holder.CategoryCumulative, _random.NextDouble());
        return ReferenceData.Categories[Math.Min(index < 0 ? ~index : index, ReferenceData.Categories.Count - 1)];
    }

    private double TypicalAmount(CardHolder holder, SpendingCategory category) =>
        Math.Max(1.0, Math.Round(category.MedianAmount * holder.SpendMultiplier * Math.Exp(category.Sigma * SyntheticPopulation.Gaussian(_random)), 2));

    private (double Lat, double Long) NearHome(CardHolder holder, double degrees) =>
        (Math.Round(holder.Lat + (_random.NextDouble() * 2 - 1) * degrees, 6), Math.Round(holder.Long + (_random.NextDouble() * 2 - 1) * degrees, 6));

    private Transaction Build(CardHolder holder, DateTime time, Merchant merchant, double amount, double merchLat, double merchLong, int isFraud)
    {
        Span<byte> id = stackalloc byte[16];
        _random.NextBytes(id);
        return new Transaction
        {
            TransDateTransTime = time,
            CcNum = holder.CcNum,
            Merchant = merchant.Name,
            Category = merchant.Category.Name,
            Amt = amount,
            First = holder.First,
            Last = holder.Last,
            Gender = holder.Gender,
            Street = holder.Street,
            City = holder.City.Name,
            State = holder.City.State,
            Zip = holder.City.Zip,
            Lat = holder.Lat,
            Long = holder.Long,
            CityPop = holder.City.Population,
            Job = holder.Job,
            Dob = holder.Dob,
            TransNum = Convert.ToHexStringLower(id),
            UnixTime = KaggleTime.UnixTime(time),
            MerchLat = merchLat,
            MerchLong = merchLong,
            IsFraud = isFraud,
        };
    }
}

/// <summary>Great-circle distance.</summary>
public static class Geo
{
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double EarthRadiusKm = 6371.0;
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var dLat = Rad(lat2 - lat1);
        var dLon = Rad(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }
}
