namespace FraudDetection.Producer.Synthetic;

/// <summary>One synthetic card holder: identity, home, and spending habits by category and hour.</summary>
public sealed class CardHolder
{
    public required long CcNum { get; init; }
    public required string First { get; init; }
    public required string Last { get; init; }
    public required string Gender { get; init; }
    public required string Street { get; init; }
    public required City City { get; init; }
    public required double Lat { get; init; }
    public required double Long { get; init; }
    public required string Job { get; init; }
    public required DateOnly Dob { get; init; }

    /// <summary>Mean transactions per day.</summary>
    public required double DailyRate { get; init; }

    /// <summary>Multiplies every category's typical amount (big and small spenders).</summary>
    public required double SpendMultiplier { get; init; }

    /// <summary>Cumulative category weights over <see cref="ReferenceData.Categories"/>.</summary>
    public required double[] CategoryCumulative { get; init; }

    /// <summary>Relative activity per local hour (0..1; 1 at the busiest hour).</summary>
    public required double[] HourWeights { get; init; }
}

/// <summary>A catalog merchant (normal traffic) or a collusion-ring merchant.</summary>
public sealed record Merchant(string Name, SpendingCategory Category);

/// <summary>Card holders and merchants, drawn deterministically from a seed.</summary>
public sealed class SyntheticPopulation
{
    private readonly double[] _holderCumulativeRate;

    public SyntheticPopulation(int holders, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(holders, 1);
        var cards = new HashSet<long>();
        var list = new List<CardHolder>(holders);
        for (var i = 0; i < holders; i++)
        {
            list.Add(NewHolder(random, cards));
        }
        Holders = list;
        _holderCumulativeRate = new double[holders];
        var sum = 0.0;
        for (var i = 0; i < holders; i++)
        {
            sum += list[i].DailyRate;
            _holderCumulativeRate[i] = sum;
        }
        TotalDailyRate = sum;

        var merchants = new Dictionary<string, List<Merchant>>();
        var names = new HashSet<string>();
        foreach (var category in ReferenceData.Categories)
        {
            var forCategory = new List<Merchant>();
            for (var i = 0; i < 12; i++)
            {
                forCategory.Add(new Merchant(NewMerchantName(random, names), category));
            }
            merchants[category.Name] = forCategory;
        }
        MerchantsByCategory = merchants;
        MerchantNames = names;
    }

    public IReadOnlyList<CardHolder> Holders { get; }

    /// <summary>Sum of every holder's daily rate: the population's transactions per simulated day.</summary>
    public double TotalDailyRate { get; }

    public IReadOnlyDictionary<string, List<Merchant>> MerchantsByCategory { get; }

    /// <summary>Every merchant name in use (catalog and rings), so new ones never collide.</summary>
    public HashSet<string> MerchantNames { get; }

    /// <summary>A holder picked in proportion to how often they transact.</summary>
    public CardHolder PickActive(Random random)
    {
        var target = random.NextDouble() * TotalDailyRate;
        var index = Array.BinarySearch(_holderCumulativeRate, target);
        return Holders[Math.Min(index < 0 ? ~index : index, Holders.Count - 1)];
    }

    public CardHolder PickAny(Random random) => Holders[random.Next(Holders.Count)];

    public Merchant PickMerchant(Random random, string category)
    {
        var list = MerchantsByCategory[category];
        return list[random.Next(list.Count)];
    }

    /// <summary>A new merchant name in the Kaggle style ("fraud_" prefix, as the Sparkov data has).</summary>
    public static string NewMerchantName(Random random, HashSet<string> taken)
    {
        var last = ReferenceData.LastNames;
        while (true)
        {
            string Pick() => last[random.Next(last.Count)];
            var name = random.Next(6) switch
            {
                0 => $"fraud_{Pick()}-{Pick()}",
                1 => $"fraud_{Pick()} and Sons",
                2 => $"fraud_{Pick()}, {Pick()} and {Pick()}",
                3 => $"fraud_{Pick()} Inc",
                4 => $"fraud_{Pick()} Group",
                _ => $"fraud_{Pick()} LLC",
            };
            if (taken.Add(name))
            {
                return name;
            }
        }
    }

    private static CardHolder NewHolder(Random random, HashSet<long> cards)
    {
        var female = random.Next(2) == 0;
        var firstNames = female ? ReferenceData.FemaleFirstNames : ReferenceData.MaleFirstNames;
        var city = ReferenceData.Cities[random.Next(ReferenceData.Cities.Count)];
        long ccNum;
        do
        {
            // 16-digit card numbers in the 4xxx (Visa-like) range.
            ccNum = 4_000_000_000_000_000L + random.NextInt64(999_999_999_999_999L);
        }
        while (!cards.Add(ccNum));

        var categories = ReferenceData.Categories;
        var cumulative = new double[categories.Count];
        var sum = 0.0;
        for (var i = 0; i < categories.Count; i++)
        {
            // Each holder leans towards some categories: the population share times a personal factor.
            sum += categories[i].Weight * (0.25 + 1.5 * random.NextDouble());
            cumulative[i] = sum;
        }
        for (var i = 0; i < cumulative.Length; i++)
        {
            cumulative[i] /= sum;
        }

        var nightOwl = random.NextDouble() < 0.2;
        var hours = new double[24];
        for (var h = 0; h < 24; h++)
        {
            hours[h] = nightOwl
                ? (h is >= 12 and <= 23 ? 1.0 : h < 3 ? 0.5 : 0.1)
                : (h is >= 7 and <= 21 ? 1.0 : 0.15);
        }

        var age = 18 + random.Next(70);
        var dob = new DateOnly(2020 - age, 1 + random.Next(12), 1 + random.Next(28));
        var street = $"{1 + random.Next(99_999)} {ReferenceData.LastNames[random.Next(ReferenceData.LastNames.Count)]} "
                     + ReferenceData.StreetSuffixes[random.Next(ReferenceData.StreetSuffixes.Count)]
                     + (random.Next(4) == 0 ? $" Apt. {random.Next(1, 999):000}" : "");
        return new CardHolder
        {
            CcNum = ccNum,
            First = firstNames[random.Next(firstNames.Count)],
            Last = ReferenceData.LastNames[random.Next(ReferenceData.LastNames.Count)],
            Gender = female ? "F" : "M",
            Street = street,
            City = city,
            Lat = Math.Round(city.Lat + (random.NextDouble() - 0.5) * 0.2, 4),
            Long = Math.Round(city.Long + (random.NextDouble() - 0.5) * 0.2, 4),
            Job = ReferenceData.Jobs[random.Next(ReferenceData.Jobs.Count)],
            Dob = dob,
            DailyRate = 0.5 + 4.5 * random.NextDouble(),
            SpendMultiplier = Math.Exp(0.3 * Gaussian(random)),
            CategoryCumulative = cumulative,
            HourWeights = hours,
        };
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
