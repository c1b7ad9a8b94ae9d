using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;

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

    [Fact]
    public void A_batch_is_predicted_once_whichever_thread_asks_first_and_again_after_it_is_reused()
    {
        using var telemetry = new ScoringTelemetry();
        var model = new CountingModel();
        var batch = new ScoringBatch { Model = model, Count = 3 };
        batch.Ensure(3, featureCount: 2);
        batch.Features.AsSpan(0, 6).Fill(1);

        batch.Predict(featureCount: 2, telemetry); // the consume loop, the emitter busy
        batch.Predict(featureCount: 2, telemetry); // the emitter, about to emit it
        model.Calls.Should().Be(1);
        batch.Probabilities.AsSpan(0, 3).ToArray().Should().Equal(0.5f, 0.5f, 0.5f);

        batch.Reset();
        batch.Model = model;
        batch.Count = 1;
        batch.Predict(featureCount: 2, telemetry);
        model.Calls.Should().Be(2, "a pooled batch taken again holds new rows");
    }

    private sealed class CountingModel : IScoringModel
    {
        public int Calls { get; private set; }
        public string Version => "1";
        public double Threshold => 0.5;
        public IReadOnlyList<string> FeatureNames => [];
        public FeatureSchema Schema => FeatureSchema.Current;

        public void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
        {
            Calls++;
            probabilities[..rows].Fill(0.5f);
        }

        public ModelExplanation Explain(ReadOnlySpan<float> row) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
