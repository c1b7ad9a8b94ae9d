using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Tests.Features;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary>
/// Transactions with a graph signal, made in code: every few days a merchant is compromised for ten days and most of
/// its transactions are then frauds (the Handbook's "compromised terminal" pattern), plus rare frauds elsewhere.
/// </summary>
internal static class GraphModelData
{
    public static readonly DateTime Start = new(2020, 3, 1);

    public static List<Transaction> Stream(int days = 40, int cards = 60, int merchants = 24, int perDay = 90, int seed = 5)
    {
        var random = new Random(seed);
        var compromisedUntil = new DateTime[merchants];
        var categories = FeatureCategories.Names;
        var list = new List<Transaction>(days * perDay);
        for (var d = 0; d < days; d++)
        {
            if (d % 4 == 0)
            {
                compromisedUntil[random.Next(merchants)] = Start.AddDays(d + 10);
            }
            var seconds = Enumerable.Range(0, perDay).Select(_ => random.Next(86_400)).Order().ToArray();
            foreach (var second in seconds)
            {
                var when = Start.AddDays(d).AddSeconds(second);
                var card = 4_100_000_000_000_000L + random.Next(cards);
                var merchant = random.Next(merchants);
                var fraud = (compromisedUntil[merchant] > when && random.NextDouble() < 0.7) || random.NextDouble() < 0.003;
                var amount = Math.Round(Math.Exp(1 + random.NextDouble() * 4), 2);
                list.Add(TestTransactions.Make(card, when, amount, categories[merchant % categories.Count], $"fraud_Merchant{merchant}", fraud ? 1 : 0));
            }
        }
        return list;
    }
}
