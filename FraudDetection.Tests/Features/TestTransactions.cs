using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;

namespace FraudDetection.Tests.Features;

/// <summary>Builds Kaggle-schema transactions in code (deterministic streams for the feature tests).</summary>
internal static class TestTransactions
{
    public static readonly DateTime Start = new(2020, 3, 1, 0, 0, 0);
    private static long _next;

    public static Transaction Make(long card, DateTime when, double amount, string category = "grocery_pos",
        string merchant = "fraud_Kutch LLC", int? isFraud = 0, string state = "NY") => new()
    {
        TransDateTransTime = when,
        CcNum = card,
        Merchant = merchant,
        Category = category,
        Amt = amount,
        Gender = card % 2 == 0 ? "F" : "M",
        State = state,
        City = "Town",
        Lat = 40.7 + card % 7 * 0.1,
        Long = -74.0 + card % 5 * 0.1,
        CityPop = 1000 + (int)(card % 1000) * 37,
        Dob = new DateOnly(1960 + (int)(card % 40), 5, 17),
        TransNum = $"t{Interlocked.Increment(ref _next):x12}",
        UnixTime = new DateTimeOffset(when, TimeSpan.Zero).ToUnixTimeSeconds(),
        MerchLat = 40.9 + card % 3 * 0.2,
        MerchLong = -74.3 + card % 11 * 0.05,
        IsFraud = isFraud,
    };

    /// <summary>A time-ordered stream over <paramref name="cards"/> cards with bursts, night activity and frauds.</summary>
    public static List<Transaction> Stream(int count, int cards, int seed = 7, double fraudRate = 0.03)
    {
        var random = new Random(seed);
        var list = new List<Transaction>(count);
        var time = Start;
        var categories = FeatureCategories.Names;
        for (var i = 0; i < count; i++)
        {
            // Mostly minutes apart, sometimes bursts (seconds) or gaps (days) so every window gets exercised.
            var step = random.Next(10) switch { 0 => random.Next(1, 30), 1 => random.Next(3600, 3 * 86400), _ => random.Next(60, 1800) };
            time = time.AddSeconds(step);
            var card = 4_000_000_000_000_000L + random.Next(cards);
            var category = random.Next(20) == 0 ? "crypto" : categories[random.Next(categories.Count)];
            var amount = Math.Round(Math.Exp(random.NextDouble() * 6), 2);
            var merchant = "fraud_M" + random.Next(40);
            var fraud = random.NextDouble() < fraudRate ? 1 : 0;
            list.Add(Make(card, time, amount, category, merchant, fraud, random.Next(30) == 0 ? "CA" : "NY"));
        }
        return list;
    }

    /// <summary>The column of a feature in a full row (throws for a name the schema does not have).</summary>
    public static int Col(string name)
    {
        var column = FeatureSchema.Current.IndexOf(name);
        return column >= 0 ? column : throw new ArgumentException($"No feature '{name}' in the schema.", nameof(name));
    }

    /// <summary>Every group computed from the card's own history and the transaction (no merchant features).</summary>
    public static FeatureSelection CardOnly { get; } = FeatureSelection.Parse(FeatureGroups.Card);

    public static float[] FeaturesOf(OnlineFeatureState state, Transaction tx)
    {
        var row = new float[FeatureSchema.Current.Count];
        state.Compute(tx, row);
        return row;
    }

    /// <summary>Features of every transaction, by trans_num, replaying in the given order.</summary>
    public static Dictionary<string, float[]> Replay(IEnumerable<Transaction> ordered, OnlineFeatureState state)
    {
        var rows = new Dictionary<string, float[]>();
        foreach (var tx in ordered)
        {
            var row = new float[FeatureSchema.Current.Count];
            state.ComputeAndUpdate(tx, row);
            rows[tx.TransNum] = row;
        }
        return rows;
    }

    /// <summary>Same transaction ids and bit-identical rows (one flat comparison: fast even for thousands of rows).</summary>
    public static void ShouldHaveSameRows(this Dictionary<string, float[]> actual, Dictionary<string, float[]> expected)
    {
        actual.Keys.Order(StringComparer.Ordinal).Should().Equal(expected.Keys.Order(StringComparer.Ordinal));
        var keys = expected.Keys.Order(StringComparer.Ordinal).ToArray();
        keys.SelectMany(k => actual[k]).ToArray().Should().Equal(keys.SelectMany(k => expected[k]).ToArray());
    }
}
