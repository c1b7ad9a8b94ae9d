using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace FraudDetection.Tests.TestSupport;

/// <summary>
/// Small data sets in the raw layout of the Fraud Detection Handbook's simulated data (its columns and its three
/// fraud scenarios, as the book describes them), generated here: the book's data itself stays outside the repository.
/// Customers spend around their own mean amount at a few terminals of their own; amounts above 220 are frauds
/// (scenario 1); compromised terminals turn every transaction of the next 28 days into a fraud (scenario 2);
/// compromised customers see a third of their next 14 days' transactions multiplied by 5 and labelled fraud (scenario 3).
/// </summary>
internal static class HandbookSimulation
{
    public const string Header = "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO";

    public sealed record Row(long Id, DateTime Time, int Customer, int Terminal, double Amount, int Fraud, int Scenario);

    public sealed record Settings
    {
        public DateTime Start { get; init; } = new(2018, 4, 1);
        public int Days { get; init; } = 60;
        public int Customers { get; init; } = 100;
        public int Terminals { get; init; } = 200;
        /// <summary>Mean transactions per customer and day.</summary>
        public double TransactionsPerDay { get; init; } = 1.5;
        /// <summary>A terminal is compromised every this many days (scenario 2).</summary>
        public int TerminalCompromiseEvery { get; init; } = 3;
        /// <summary>A customer is compromised every this many days (scenario 3).</summary>
        public int CustomerCompromiseEvery { get; init; } = 2;
        public int Seed { get; init; } = 7;
    }

    public static List<Row> Generate(Settings s)
    {
        var random = new Random(s.Seed);
        var customers = Enumerable.Range(0, s.Customers).Select(_ =>
        {
            var mean = 5 + random.NextDouble() * 95;
            var terminals = Enumerable.Range(0, 4).Select(_ => random.Next(s.Terminals)).ToArray();
            return (Mean: mean, Std: mean / 2, Rate: s.TransactionsPerDay * (0.5 + random.NextDouble()), Terminals: terminals);
        }).ToArray();

        var raw = new List<(DateTime Time, int Customer, int Terminal, double Amount)>();
        for (var day = 0; day < s.Days; day++)
        {
            for (var c = 0; c < s.Customers; c++)
            {
                var profile = customers[c];
                for (var n = Poisson(random, profile.Rate); n > 0; n--)
                {
                    var time = s.Start.AddDays(day).AddSeconds(random.Next(86_400));
                    var amount = Math.Round(Math.Max(0, profile.Mean + profile.Std * Gaussian(random)), 2);
                    raw.Add((time, c, profile.Terminals[random.Next(profile.Terminals.Length)], amount));
                }
            }
        }
        raw.Sort((a, b) => a.Time.CompareTo(b.Time));

        var fraud = new int[raw.Count];
        var amounts = raw.Select(r => r.Amount).ToArray();
        for (var i = 0; i < raw.Count; i++)
        {
            if (amounts[i] > 220) fraud[i] = 1;
        }
        int DayOf(int i) => (int)(raw[i].Time - s.Start).TotalDays;
        for (var day = 0; day < s.Days; day += s.TerminalCompromiseEvery)
        {
            var terminal = customers[random.Next(s.Customers)].Terminals[0];
            for (var i = 0; i < raw.Count; i++)
            {
                if (raw[i].Terminal == terminal && DayOf(i) >= day && DayOf(i) < day + 28) fraud[i] = 2;
            }
        }
        for (var day = 0; day < s.Days; day += s.CustomerCompromiseEvery)
        {
            var customer = random.Next(s.Customers);
            var window = Enumerable.Range(0, raw.Count).Where(i => raw[i].Customer == customer && DayOf(i) >= day && DayOf(i) < day + 14).ToList();
            foreach (var i in window.OrderBy(_ => random.Next()).Take(window.Count / 3))
            {
                amounts[i] = amounts[i] * 5;
                fraud[i] = 3;
            }
        }
        return [.. raw.Select((r, i) => new Row(i, r.Time, r.Customer, r.Terminal, amounts[i], fraud[i] > 0 ? 1 : 0, fraud[i]))];
    }

    /// <summary>Writes the rows in the book's layout (gzip when the name ends in .gz); seconds and days count from <paramref name="origin"/>.</summary>
    public static void Write(string path, IEnumerable<Row> rows, DateTime origin)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        writer.Write(Header + "\n");
        foreach (var r in rows)
        {
            var seconds = (long)(r.Time - origin).TotalSeconds;
            writer.Write(string.Create(CultureInfo.InvariantCulture,
                $"{r.Id},{r.Time:yyyy-MM-dd HH:mm:ss},{r.Customer},{r.Terminal},{r.Amount:R},{seconds},{seconds / 86_400},{r.Fraud},{r.Scenario}\n"));
        }
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var n = 0;
        while (product > limit)
        {
            n++;
            product *= random.NextDouble();
        }
        return n;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
