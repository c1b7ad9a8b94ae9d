using System.Text.Json.Nodes;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Drift;

namespace FraudDetection.Tests.Scoring;

public sealed class DriftTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Threshold = 0.2;

    [Fact]
    public void Psi_of_known_shares_is_the_sum_of_difference_times_log_ratio()
    {
        DriftBins.Psi([0.5, 0.5], [0.5, 0.5]).Should().Be(0);
        // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.25·ln 2 + 0.25·ln 1.5
        DriftBins.Psi([0.5, 0.5], [0.25, 0.75]).Should().BeApproximately(0.25 * Math.Log(2) + 0.25 * Math.Log(1.5), 1e-12);
        // Ten equal bins against everything in one: 9 × (ε − 0.1)·ln(ε/0.1) + (1 − 0.1)·ln(1/0.1)
        var expected = Enumerable.Repeat(0.1, 10).ToArray();
        var actual = new double[10];
        actual[9] = 1;
        var epsilon = DriftBins.Epsilon;
        DriftBins.Psi(expected, actual).Should().BeApproximately(9 * (epsilon - 0.1) * Math.Log(epsilon / 0.1) + 0.9 * Math.Log(10), 1e-9);
        // An empty reference bin counts as ε, so the PSI stays finite.
        double.IsFinite(DriftBins.Psi([1, 0], [0, 1])).Should().BeTrue();
    }

    [Fact]
    public void Decile_edges_split_a_uniform_column_into_ten_equal_bins_and_merge_repeated_cut_points()
    {
        var uniform = DriftColumn.From("x", [.. Enumerable.Range(1, 100).Select(i => (float)i)], 10);
        uniform.Edges.Should().Equal(10, 20, 30, 40, 50, 60, 70, 80, 90);
        uniform.Shares.Should().AllSatisfy(share => share.Should().BeApproximately(0.1, 1e-12));
        DriftBins.BinOf(uniform.Edges, 10).Should().Be(0);
        DriftBins.BinOf(uniform.Edges, 10.5f).Should().Be(1);
        DriftBins.BinOf(uniform.Edges, 1_000).Should().Be(9);

        // 90% zeros, 10% ones, one missing: cut points 0 (and 1) once each; the missing value has its own share.
        float[] flags = [.. Enumerable.Repeat(0f, 90), .. Enumerable.Repeat(1f, 9), float.NaN];
        var flag = DriftColumn.From("flag", flags, 10);
        flag.Edges.Should().Equal(0);
        flag.Shares.Should().Equal(0.9, 0.09);
        flag.MissingShare.Should().Be(0.01);
    }

    [Fact]
    public void An_unshifted_stream_stays_under_the_threshold_and_amounts_times_three_rise_above_it()
    {
        var stream = DriftStreams.Value;
        var unshifted = Monitor(stream.Reference, stream.Live);
        var shifted = Monitor(stream.Reference, stream.Shifted);

        unshifted.Status.Should().Be("tracking");
        unshifted.WindowRows.Should().Be(DriftStreams.Rows);
        unshifted.Psi.Should().ContainKey("amt");
        output.WriteLine("unshifted: " + string.Join(", ", unshifted.Psi!.Select(p => $"{p.Key} {p.Value:0.####}")));
        output.WriteLine("amounts x3: " + string.Join(", ", shifted.Psi!.Select(p => $"{p.Key} {p.Value:0.####}")));
        unshifted.ScorePsi.Should().BeLessThan(Threshold);
        unshifted.Psi!["amt"].Should().BeLessThan(Threshold);

        shifted.ScorePsi.Should().BeGreaterThan(Threshold, "amounts three times larger move the scores");
        shifted.Psi!["amt"].Should().BeGreaterThan(1);
        shifted.AlertRate.Should().NotBe(unshifted.AlertRate);
        shifted.ReferenceAlertRate.Should().Be(stream.Reference.AlertRate);
    }

    [Fact]
    public void Without_a_reference_or_before_enough_rows_there_is_no_psi_and_rows_of_another_model_are_not_counted()
    {
        var stream = DriftStreams.Value;
        using var monitor = new DriftMonitor(new DriftOptions { WindowRows = 1_000, MinRows = 600 }, FeatureSchema.Current.Names);
        monitor.Snapshot().Status.Should().Be("no champion");
        monitor.UseReference("v1", null);
        monitor.Snapshot().Status.Should().Be("no reference");
        monitor.Snapshot().Psi.Should().BeNull();

        monitor.UseReference("v1", stream.Reference);
        var columns = FeatureSchema.Current.Count;
        monitor.Observe("v1", stream.Live.Features.AsSpan(0, 500 * columns), columns, stream.Live.Scores.AsSpan(0, 500), 500, stream.Threshold);
        monitor.Observe("v0", stream.Live.Features.AsSpan(0, 500 * columns), columns, stream.Live.Scores.AsSpan(0, 500), 500, stream.Threshold);
        var warming = monitor.Snapshot();
        warming.Status.Should().Be("warming up");
        warming.WindowRows.Should().Be(500, "the rows of the model being replaced are left out");
        warming.ScorePsi.Should().BeNull();

        monitor.Observe("v1", stream.Live.Features.AsSpan(0, 1_000 * columns), columns, stream.Live.Scores.AsSpan(0, 1_000), 1_000, stream.Threshold);
        var full = monitor.Snapshot();
        full.Status.Should().Be("tracking");
        full.WindowRows.Should().Be(1_000, "the window keeps the last rows only");
        full.ScorePsi.Should().NotBeNull();
    }

    private static DriftSnapshot Monitor(DriftReference reference, DriftStreams.Scored live)
    {
        using var monitor = new DriftMonitor(new DriftOptions { WindowRows = DriftStreams.Rows, MinRows = 500 }, FeatureSchema.Current.Names);
        monitor.UseReference("a", reference);
        var columns = FeatureSchema.Current.Count;
        for (var start = 0; start < DriftStreams.Rows; start += 500)
        {
            monitor.Observe("a", live.Features.AsSpan(start * columns, 500 * columns), columns, live.Scores.AsSpan(start, 500), 500, DriftStreams.Value.Threshold);
        }
        return monitor.Snapshot();
    }
}

/// <summary>
/// The bundled sample through the real feature pipeline and model A: rows 25,000–35,000 as the reference, the next
/// 10,000 as live traffic, and the same rows again from a replay with every amount three times larger.
/// </summary>
internal static class DriftStreams
{
    public const int Rows = 10_000;
    private const int ReferenceStart = 25_000;
    private const int LiveStart = ReferenceStart + Rows;

    public sealed record Scored(float[] Features, float[] Scores);

    public sealed record Streams(DriftReference Reference, Scored Live, Scored Shifted, double Threshold);

    public static Streams Value => Lazy.Value;

    private static readonly Lazy<Streams> Lazy = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private static Streams Build()
    {
        var rows = TransactionCsv.ReadFile(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz")).Take(LiveStart + Rows).ToList();
        using var model = OnnxModelLoader.Load("a", Path.Combine(ScoringModels.ModelA, ModelRegistryNames.OnnxFileName), 1);
        var plain = FeatureMatrix.Build(rows);
        var shifted = FeatureMatrix.Build(rows.Select(t => t with { Amt = t.Amt * 3 }));
        var columns = FeatureSchema.Current.Count;
        var reference = Score(plain, ReferenceStart, model);
        // The features model A's exported reference picked (its most important), binned on this reference window.
        var exported = DriftReference.TryLoad(ScoringModels.ModelA)!;
        var features = exported.Columns.Where(c => c.Name != DriftReference.ScoreColumn)
            .Select(c => (c.Name, FeatureSchema.Current.IndexOf(c.Name))).ToList();
        if (!features.Any(f => f.Name == "amt"))
        {
            features.Add(("amt", FeatureSchema.Current.IndexOf("amt")));
        }
        return new Streams(
            DriftReference.Build("a", "test", reference.Features, columns, reference.Scores, features, model.Threshold),
            Score(plain, LiveStart, model),
            Score(shifted, LiveStart, model),
            model.Threshold);
    }

    private static Scored Score(FeatureMatrix matrix, int start, IScoringModel model)
    {
        var columns = matrix.Columns;
        var features = matrix.Values.AsSpan(start * columns, Rows * columns).ToArray();
        var scores = new float[Rows];
        model.Predict(features, Rows, scores);
        return new Scored(features, scores);
    }
}
