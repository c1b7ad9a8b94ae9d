using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>The LightGBM settings the benchmark compares on the validation folds.</summary>
public static class HandbookGrid
{
    /// <summary>
    /// Fine amount bins: scenario 1 labels every amount above 220 fraud, and 255 quantile bins of a week's amounts are
    /// too coarse near that edge to split on it (validation AP 0.711 → 0.727 with 4,095 bins).
    /// </summary>
    public const int MaxBin = 4095;

    /// <summary>Trees × leaves × learning rate, min leaf 50, the other knobs at their defaults.</summary>
    public static IReadOnlyList<HyperParameters> Default { get; } =
    [
        .. from trees in new[] { 300, 600 }
           from leaves in new[] { 7, 15 }
           from rate in new[] { 0.025, 0.05 }
           select new HyperParameters(Trees: trees, Leaves: leaves, LearningRate: rate, MaxBin: MaxBin),
    ];

    /// <summary>One candidate: the defaults (a quick run; the rule then has nothing to choose).</summary>
    public static IReadOnlyList<HyperParameters> Quick { get; } = [new HyperParameters(MaxBin: MaxBin)];
}
