using FraudDetection.Core.Transactions;

namespace FraudDetection.Tests.Core;

public class SampleDataTests
{
    [Fact]
    public void The_bundled_sample_is_six_contiguous_weeks_of_well_formed_rows()
    {
        var errors = new List<CsvRowError>();
        long rows = 0, frauds = 0;
        DateTime first = default, last = default, previous = default;
        var ordered = true;
        foreach (var t in TransactionCsv.ReadFile(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"), errors.Add))
        {
            if (rows++ == 0)
            {
                first = t.TransDateTransTime;
            }
            ordered &= t.TransDateTransTime >= previous;
            previous = last = t.TransDateTransTime;
            frauds += t.IsFraud ?? 0;
        }

        errors.Should().BeEmpty();
        rows.Should().Be(113_434);
        frauds.Should().Be(493);
        ordered.Should().BeTrue();
        first.Should().Be(new DateTime(2020, 5, 10, 0, 0, 4));
        last.Should().Be(new DateTime(2020, 6, 20, 23, 59, 56));
        new FileInfo(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz")).Length.Should().BeLessThan(16_000_000);
    }

    [Fact]
    public void The_bundled_replay_is_the_three_weeks_after_the_sample()
    {
        var errors = new List<CsvRowError>();
        var rows = TransactionCsv.ReadFile(BundledData.ReplayPath, errors.Add).ToList();

        errors.Should().BeEmpty();
        rows.Should().HaveCount(60_572);
        rows.Count(t => t.IsFraud == 1).Should().Be(245);
        rows.Select(t => t.TransDateTransTime).Should().BeInAscendingOrder();
        rows[0].TransDateTransTime.Should().Be(new DateTime(2020, 6, 21, 0, 0, 4), "the day after the sample's last");
        rows[^1].TransDateTransTime.Should().Be(new DateTime(2020, 7, 11, 23, 58, 34));
        rows.Select(t => t.TransNum).Should().OnlyHaveUniqueItems();
        new FileInfo(BundledData.ReplayPath).Length.Should().BeLessThan(8_000_000);
    }
}
