using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>The LightGBM settings the benchmark compares on the validation folds.</summary>
public static class HandbookGrid
{
    /// <summary>Trees × leaves × learning rate, the other knobs at their defaults.</summary>
    public static IReadOnlyList<HyperParameters> Default { get; } =
    [
        .. from trees in new[] { 100, 300 }
           from leaves in new[] { 15, 63 }
           from rate in new[] { 0.05, 0.1 }
           select new HyperParameters(Trees: trees, Leaves: leaves, LearningRate: rate),
    ];

    /// <summary>One candidate: the defaults (a quick run; the rule then has nothing to choose).</summary>
    public static IReadOnlyList<HyperParameters> Quick { get; } = [new HyperParameters()];
}
