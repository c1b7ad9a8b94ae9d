using FraudDetection.Training.Benchmarks.Handbook;
using FraudDetection.Training.Cli;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

public sealed class HandbookBenchmarkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("handbook-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static DateOnly D(int month, int day) => new(2018, month, day);

    [Fact]
    public void The_folds_are_the_books_prequential_weeks()
    {
        var protocol = HandbookProtocol.Book;

        protocol.ValidationFolds.Select(f => (f.TrainStart, f.TrainEnd, f.TestStart, f.TestEnd)).Should().Equal(
            (D(7, 11), D(7, 18), D(7, 25), D(8, 1)),
            (D(7, 4), D(7, 11), D(7, 18), D(7, 25)),
            (D(6, 27), D(7, 4), D(7, 11), D(7, 18)),
            (D(6, 20), D(6, 27), D(7, 4), D(7, 11)));
        protocol.TestFolds.Select(f => (f.TrainStart, f.TrainEnd, f.TestStart, f.TestEnd)).Should().Equal(
            (D(8, 15), D(8, 22), D(8, 29), D(9, 5)),
            (D(8, 8), D(8, 15), D(8, 22), D(8, 29)),
            (D(8, 1), D(8, 8), D(8, 15), D(8, 22)),
            (D(7, 25), D(8, 1), D(8, 8), D(8, 15)));
        protocol.DaysUsed.Should().Be((D(6, 20), D(9, 5)));
    }

    [Fact]
    public void Known_compromised_cards_leave_the_test_week_once_their_fraud_is_known()
    {
        // The Chapter 3 split: train 07-25..07-31, delay 08-01..08-07, test 08-08..08-14.
        var fold = HandbookProtocol.Book.TestFolds[^1];
        var rows = new List<(DateOnly Day, long Card, bool Fraud)>
        {
            (D(7, 24), 9, true),   // before training: not in any set, and its card 9 is not known
            (D(7, 25), 1, false),
            (D(7, 27), 1, true),   // card 1: fraud in the training week → known from the first test day
            (D(7, 31), 2, false),
            (D(8, 2), 2, true),    // card 2: fraud on 08-02 = train start + 7 + k − 1 for k = 2 → known from test day 08-10
            (D(8, 7), 3, true),    // card 3: fraud on 08-07 (k would be 7): never known this week
            (D(8, 8), 1, false),
            (D(8, 8), 2, false),
            (D(8, 8), 3, false),
            (D(8, 8), 9, false),
            (D(8, 9), 2, true),
            (D(8, 9), 4, true),    // card 4: a fraud in the test week itself is never "known"
            (D(8, 10), 2, false),
            (D(8, 10), 4, false),
            (D(8, 14), 1, true),
            (D(8, 14), 3, false),
            (D(8, 15), 5, false),  // after the test week
        };

        var split = HandbookSplit.Split(fold, [.. rows.Select(r => r.Day.DayNumber)], [.. rows.Select(r => r.Card)], [.. rows.Select(r => r.Fraud)]);

        split.Train.Should().Equal(1, 2, 3);
        split.Test.Select(i => (rows[i].Day, rows[i].Card)).Should().Equal(
            (D(8, 8), 2), (D(8, 8), 3), (D(8, 8), 9), (D(8, 9), 2), (D(8, 9), 4), (D(8, 10), 4), (D(8, 14), 3));
        split.KnownCards.Should().Be(2, "cards 1 and 2");
    }

    [Fact]
    public void Card_precision_at_k_ranks_cards_per_day_and_drops_the_fraudulent_cards_already_caught()
    {
        // k = 2. Day 1: X (max 0.9, and a fraud) and Y (0.8) are the top 2: 1 fraud → 0.5; X is caught.
        // Day 2: X is dropped; Y (0.6) and Z (0.5) are the top 2: 1 fraud → 0.5; Z is caught. (Y stays: it was no fraud.)
        // Day 3: X and Z are dropped; W (0.3, fraud) and V (0.3, fraud: the tie goes to the lower card number) → 1.0.
        const long X = 10, Y = 20, Z = 30, W = 40, V = 5, U = 60;
        var rows = new (int Day, long Card, float Score, bool Fraud)[]
        {
            (1, X, 0.9f, false), (1, X, 0.2f, true), (1, Y, 0.8f, false), (1, Z, 0.7f, true),
            (2, X, 0.95f, true), (2, Y, 0.6f, false), (2, Z, 0.5f, true), (2, W, 0.4f, true),
            (3, Z, 0.99f, true), (3, X, 0.98f, true), (3, W, 0.3f, true), (3, V, 0.3f, true), (3, U, 0.3f, false),
        };

        var (mean, perDay) = HandbookMetrics.CardPrecisionAtK([.. rows.Select(r => r.Score)], [.. rows.Select(r => r.Fraud)],
            [.. rows.Select(r => r.Day)], [.. rows.Select(r => r.Card)], k: 2);

        perDay.Should().Equal(0.5, 0.5, 1.0);
        mean.Should().BeApproximately(2.0 / 3, 1e-12);
        // As a count: 1 + 1 + 2 fraudulent cards in 3 days × 2 places; with a second fold of 2 days at 0.25 (1 card).
        HandbookMetrics.FraudulentCardsInTopK([(3, mean), (2, 0.25)], k: 2).Should().Be((5, 10));
    }

    [Fact]
    public void A_fraud_is_hidden_when_neither_its_amount_nor_its_terminals_latest_known_label_shows_it()
    {
        var day0 = new DateTime(2018, 4, 1, 12, 0, 0);
        FraudDetection.Core.Transactions.Transaction Tx(long card, int day, string terminal, double amount, int fraud) =>
            FraudDetection.Tests.Features.TestTransactions.Make(card, day0.AddDays(day), amount, merchant: terminal, isFraud: fraud);
        var rows = new[]
        {
            Tx(1, 0, "T", 10, 1),     // nothing known yet, no card history: hidden
            Tx(8, 1, "W", 10, 1),     // hidden
            Tx(5, 1, "V", 10, 0),     // genuine
            Tx(5, 2, "V", 10, 0),     // genuine
            Tx(5, 3, "V", 50, 1),     // more than twice the card's 30-day mean (10): visible
            Tx(5, 4, "V2", 30, 1),    // the mean of 10, 10, 50 is 23.3: 30 is below twice that: hidden
            Tx(2, 7, "T", 10, 1),     // day 0's fraud at 12:00 is known from day 7 at 12:00: visible
            Tx(3, 8, "T", 10, 1),     // visible
            Tx(4, 8, "U", 230, 1),    // amount above 220: visible
            Tx(9, 9, "X", 10, 1),     // hidden
            Tx(12, 16, "X", 10, 1),   // X's day-9 fraud is known: visible
            Tx(10, 17, "X", 10, 0),   // genuine
            Tx(11, 25, "X", 10, 1),   // X's latest known label is day 17's genuine one: that compromise was over: hidden
            Tx(6, 36, "T", 10, 1),    // T's latest known label is day 8's fraud, 28 days before: a compromise that old is over: hidden
            Tx(7, 37, "W", 10, 1),    // hidden
        };

        var visible = HandbookCeiling.Classify(rows, labelDelayDays: 7).Select(r => r.Visible).ToList();

        visible.Should().Equal(false, false, false, false, true, false, true, true, true, false, true, false, false, false, false);
    }

    [Fact]
    public void Mean_and_std_are_over_folds_with_the_population_deviation()
    {
        var value = MeanStd.Of([0.7, 0.72, 0.74, 0.76]);

        value.Mean.Should().BeApproximately(0.73, 1e-12);
        value.Std.Should().BeApproximately(Math.Sqrt(0.0005), 1e-12);
        value.ToString().Should().Be("0.730±0.02");
    }

    [Fact]
    public void Seeds_average_the_scores_of_one_model_per_seed()
    {
        // Two informative features and noise: enough for the feature and row sampling to make each seed's model differ.
        var random = new Random(7);
        const int rows = 3_000, features = 4;
        var values = new float[rows * features];
        var labels = new bool[rows];
        for (var i = 0; i < rows; i++)
        {
            labels[i] = random.NextDouble() < 0.1;
            for (var f = 0; f < features; f++) values[i * features + f] = (float)(random.NextDouble() + (labels[i] && f < 2 ? 0.6 : 0));
        }
        var data = new TrainingSet(features, values, labels, [.. Enumerable.Range(0, rows).Select(i => new DateTime(2018, 4, 1).AddMinutes(i))],
            [.. Enumerable.Range(0, rows).Select(i => (long)(i % 300))], [.. Enumerable.Range(0, rows).Select(i => $"t{i}")]);
        var (train, test) = (data.Select([.. Enumerable.Range(0, 2_000)]), data.Select([.. Enumerable.Range(2_000, 1_000)]));
        var parameters = new HyperParameters(Trees: 30, Leaves: 7, MinDataInLeaf: 20);

        var first = HandbookBenchmark.ScoreTestRows(train, test, parameters, new HandbookBenchmarkOptions { DataFile = "", Seed = 42 });
        var second = HandbookBenchmark.ScoreTestRows(train, test, parameters, new HandbookBenchmarkOptions { DataFile = "", Seed = 43 });
        var both = HandbookBenchmark.ScoreTestRows(train, test, parameters, new HandbookBenchmarkOptions { DataFile = "", Seed = 42, Seeds = 2 });

        first.Should().HaveCount(1_000).And.NotEqual(second, "each seed samples other features and rows");
        both.Should().Equal(first.Zip(second, (a, b) => (a + b) / 2), (a, b) => Math.Abs(a - b) < 1e-6);
        FluentActions.Invoking(() => new HandbookBenchmarkOptions { DataFile = "", Seeds = 0 }).Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public async Task The_benchmark_runs_the_protocol_on_a_generated_file_in_the_books_layout()
    {
        var rows = HandbookSimulation.Generate(new HandbookSimulation.Settings
        {
            Start = new DateTime(2018, 5, 20), Days = 110, Customers = 120, Terminals = 300, TerminalCompromiseEvery = 4, CustomerCompromiseEvery = 3,
        });
        var file = Path.Combine(_dir, "transactions.csv.gz");
        HandbookSimulation.Write(file, rows, new DateTime(2018, 4, 1));

        var report = HandbookBenchmark.Run(new HandbookBenchmarkOptions { DataFile = file, Candidates = HandbookGrid.Quick });

        report.Transactions.Should().Be(rows.Count);
        report.SkippedRows.Should().Be(0);
        // The book's split written out directly on the generated rows: the same fold sizes.
        foreach (var (fold, trainRows, trainFrauds, testRows, testFrauds) in report.TestFolds)
        {
            var from = fold.TrainStart.ToDateTime(TimeOnly.MinValue);
            var train = rows.Where(r => r.Time >= from && r.Time < from.AddDays(7)).ToList();
            var known = train.Where(r => r.Fraud == 1).Select(r => r.Customer).ToHashSet();
            var test = new List<HandbookSimulation.Row>();
            for (var k = 0; k < 7; k++)
            {
                known.UnionWith(rows.Where(r => r.Time.Date == from.AddDays(6 + k) && r.Fraud == 1).Select(r => r.Customer));
                test.AddRange(rows.Where(r => r.Time.Date == from.AddDays(14 + k) && !known.Contains(r.Customer)));
            }
            (trainRows, trainFrauds, testRows, testFrauds).Should().Be((train.Count, train.Count(r => r.Fraud == 1), test.Count, test.Count(r => r.Fraud == 1)));
            testFrauds.Should().BeGreaterThan(0);
        }
        report.Validation.Should().ContainSingle().Which.Folds.Should().HaveCount(4);
        report.Test.Should().ContainSingle().Which.Folds.Should().HaveCount(4);
        var frauds = report.TestFolds.Sum(f => f.TestFrauds) / (double)report.TestFolds.Sum(f => f.TestRows);
        report.AveragePrecision.Test.Mean.Should().BeGreaterThan(3 * frauds, "the model ranks frauds far above their rate");
        report.RocAuc.Test.Mean.Should().BeInRange(0.6, 1.0);
        report.CardPrecision.Test.Mean.Should().BeInRange(0.0, 1.0);

        (await TrainingCli.RunAsync(["benchmark", "handbook", "--data", file, "--grid", "quick", "--features", "card"])).Should().Be(0);
        (await TrainingCli.RunAsync(["benchmark", "handbook", "--data", Path.Combine(_dir, "missing.csv")])).Should().Be(1);
        (await TrainingCli.RunAsync(["benchmark", "handbook", "--data", file, "--merchant-day-lag", "0"])).Should().Be(2, "a merchant day lag under 1 is refused before anything runs");
        (await TrainingCli.RunAsync(["benchmark", "handbook", "--data", file, "--seeds", "0"])).Should().NotBe(0, "at least one model per fold");

        var ceiling = HandbookCeiling.Run(file, FraudDetection.Core.Transactions.Mapping.ColumnMapping.Handbook, HandbookProtocol.Book);
        ceiling.Select(f => f.Frauds).Should().Equal(report.TestFolds.Select(f => f.TestFrauds));
        ceiling.Should().OnlyContain(f => f.Hidden >= 0 && f.Hidden < f.Frauds && f.Perfect.AveragePrecision > 1.0 - (double)f.Hidden / f.Frauds - 0.01);
        (await TrainingCli.RunAsync(["benchmark", "handbook", "--data", file, "--ceiling"])).Should().Be(0);
    }
}
