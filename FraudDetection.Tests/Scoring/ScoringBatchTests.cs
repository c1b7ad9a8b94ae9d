using FraudDetection.Scoring.Pipeline;

namespace FraudDetection.Tests.Scoring;

/// <summary>The pooled micro-batch's buffers.</summary>
public sealed class ScoringBatchTests
{
    [Fact]
    public void Rows_asked_for_a_few_more_each_batch_reallocate_the_buffers_only_a_logarithmic_number_of_times()
    {
        // As while messages wait for the merchant table: every batch asks for its own messages plus all those held.
        var batch = new ScoringBatch();
        var reallocations = 0;
        var features = batch.Features;
        for (var rows = 1024; rows <= 100_000; rows += 64)
        {
            batch.Ensure(rows, featureCount: 80);
            batch.Rows.Length.Should().BeGreaterThanOrEqualTo(rows);
            batch.Probabilities.Length.Should().Be(batch.Rows.Length);
            batch.Features.Length.Should().Be(batch.Rows.Length * 80);
            if (!ReferenceEquals(features, batch.Features))
            {
                reallocations++;
                features = batch.Features;
            }
        }

        reallocations.Should().BeLessThanOrEqualTo(8, "growing by at least double reaches 100,000 rows from 1,024 in 7 steps");
    }
}
