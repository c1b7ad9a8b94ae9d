using System.Globalization;

namespace FraudDetection.Training.Trainers;

/// <summary>Which ML.NET learner trains the model.</summary>
public enum TrainerKind
{
    LightGbm,
    FastTree,
    /// <summary>L-BFGS logistic regression on standardized features (a linear baseline; explained by linear SHAP).</summary>
    Logistic,
}

/// <summary>The knobs tuned on the validation window.</summary>
public sealed record HyperParameters(
    int Trees = 250,
    int Leaves = 31,
    double LearningRate = 0.08,
    int MinDataInLeaf = 50,
    double FeatureFraction = 0.8,
    double BaggingFraction = 0.8,
    double L2 = 1.0,
    int MaxBin = 255)
{
    public IReadOnlyDictionary<string, string> ToDictionary() => new Dictionary<string, string>
    {
        ["trees"] = Trees.ToString(CultureInfo.InvariantCulture),
        ["num_leaves"] = Leaves.ToString(CultureInfo.InvariantCulture),
        ["learning_rate"] = LearningRate.ToString("G4", CultureInfo.InvariantCulture),
        ["min_data_in_leaf"] = MinDataInLeaf.ToString(CultureInfo.InvariantCulture),
        ["feature_fraction"] = FeatureFraction.ToString("G3", CultureInfo.InvariantCulture),
        ["bagging_fraction"] = BaggingFraction.ToString("G3", CultureInfo.InvariantCulture),
        ["l2"] = L2.ToString("G3", CultureInfo.InvariantCulture),
        ["max_bin"] = MaxBin.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A random draw around sensible values for fraud GBDTs (random search, seeded).</summary>
    public static HyperParameters Sample(Random random) => new(
        Trees: random.Next(150, 601),
        Leaves: new[] { 15, 31, 63, 127 }[random.Next(4)],
        LearningRate: Math.Exp(random.NextDouble() * (Math.Log(0.2) - Math.Log(0.02)) + Math.Log(0.02)),
        MinDataInLeaf: new[] { 10, 20, 50, 100, 200 }[random.Next(5)],
        FeatureFraction: 0.5 + random.NextDouble() * 0.5,
        BaggingFraction: 0.6 + random.NextDouble() * 0.4,
        L2: Math.Exp(random.NextDouble() * Math.Log(100)) / 10);
}
