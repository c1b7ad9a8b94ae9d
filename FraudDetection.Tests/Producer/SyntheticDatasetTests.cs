using FraudDetection.Core.Transactions;
using FraudDetection.Producer.Cli;
using FraudDetection.Producer.Synthetic;

namespace FraudDetection.Tests.Producer;

public sealed class SyntheticDatasetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("synth-dataset-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<string> SynthAsync(string name, string from, string to, int seed = 7, double share = 0.02)
    {
        var path = Path.Combine(_dir, name);
        var exit = await ProducerCli.RunAsync(["synth", "--format", "csv", "--card-holders", "200", "--from", from, "--to", to,
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--fraud-share", share.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path]);
        exit.Should().Be(0);
        return path;
    }

    [Fact]
    public async Task Writes_the_Kaggle_layout_labelled_in_time_order_within_the_period()
    {
        var path = await SynthAsync("train.csv", "2020-01-01", "2020-01-20");

        var kaggleHeader = File.ReadLines(RepoPaths.KaggleSlice("fraudTrain.head.csv")).First();
        var lines = File.ReadAllText(path).Split("\r\n");
        lines[0].Should().Be(kaggleHeader);
        lines[1].Should().StartWith("0,2020-01-");

        var errors = new List<CsvRowError>();
        var rows = TransactionCsv.ReadFile(path, errors.Add).ToList();
        errors.Should().BeEmpty();
        rows.Should().HaveCountGreaterThan(5_000);
        rows.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder()
            .And.OnlyContain(time => time >= new DateTime(2020, 1, 1) && time < new DateTime(2020, 1, 21));
        rows.Select(t => t.TransNum).Should().OnlyHaveUniqueItems();
        rows.Should().OnlyContain(t => t.IsFraud == 0 || t.IsFraud == 1);
        rows.Should().OnlyContain(t => t.UnixTime == KaggleTime.UnixTime(t.TransDateTransTime));
        ((double)rows.Count(t => t.IsFraud == 1) / rows.Count).Should().BeApproximately(0.02, 0.005);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_bytes_and_another_seed_other_data()
    {
        var first = await SynthAsync("a.csv.gz", "2020-03-01", "2020-03-05");
        var again = await SynthAsync("b.csv.gz", "2020-03-01", "2020-03-05");
        var other = await SynthAsync("c.csv.gz", "2020-03-01", "2020-03-05", seed: 8);

        File.ReadAllBytes(again).Should().Equal(File.ReadAllBytes(first));
        var firstRows = TransactionCsv.ReadFile(first).ToList();
        firstRows.Should().NotBeEmpty();
        TransactionCsv.ReadFile(other).Select(t => t.CcNum).Should().NotIntersectWith(firstRows.Select(t => t.CcNum));
    }

    [Fact]
    public async Task A_later_period_with_the_same_seed_carries_on_with_the_same_card_holders()
    {
        var train = TransactionCsv.ReadFile(await SynthAsync("train.csv.gz", "2020-01-01", "2020-01-10")).ToList();
        var test = TransactionCsv.ReadFile(await SynthAsync("test.csv.gz", "2020-01-11", "2020-01-15")).ToList();

        test.Select(t => t.TransDateTransTime).Should().OnlyContain(time => time >= new DateTime(2020, 1, 11));
        test.Select(t => t.CcNum).Distinct().Should().BeSubsetOf(train.Select(t => t.CcNum).Distinct());
        test.Select(t => t.TransNum).Should().NotIntersectWith(train.Select(t => t.TransNum));
    }

    [Fact]
    public void The_writer_stops_at_the_end_and_counts_what_it_wrote()
    {
        var path = Path.Combine(_dir, "direct.csv");
        var settings = new SyntheticSettings { Seed = 3, CardHolders = 50, Start = new DateTime(2021, 5, 1) };

        var summary = SyntheticDataset.Write(settings, new DateTime(2021, 5, 2, 12, 0, 0), path);

        var rows = TransactionCsv.ReadFile(path).ToList();
        summary.Rows.Should().Be(rows.Count);
        summary.Frauds.Should().Be(rows.Count(t => t.IsFraud == 1));
        summary.First.Should().Be(rows[0].TransDateTransTime);
        summary.Last.Should().Be(rows[^1].TransDateTransTime).And.BeOnOrBefore(new DateTime(2021, 5, 2, 12, 0, 0));
        Directory.GetFiles(_dir).Should().Equal(path);
    }

    [Theory]
    [InlineData("synth", "--format", "csv", "--from", "2020-01-01", "--to", "2020-01-02")]
    [InlineData("synth", "--format", "csv", "--from", "2020-01-05", "--to", "2020-01-02", "--out", "x.csv")]
    [InlineData("synth", "--format", "csv", "--from", "yesterday", "--to", "2020-01-02", "--out", "x.csv")]
    [InlineData("synth", "--from", "2020-01-01", "--stdout", "--count", "1")]
    public async Task Bad_dataset_options_end_with_exit_code_2(params string[] args)
    {
        (await ProducerCli.RunAsync(args)).Should().Be(2);
        Directory.GetFiles(_dir).Should().BeEmpty();
    }
}
