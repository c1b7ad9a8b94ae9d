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
}
