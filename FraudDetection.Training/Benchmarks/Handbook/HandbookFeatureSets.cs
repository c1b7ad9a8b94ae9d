namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>Feature subsets for the ablation.</summary>
public static class HandbookFeatureSets
{
    /// <summary>Card features only: everything computed from one card's own history and the transaction itself.</summary>
    public static bool CardOnly(string feature) => !feature.StartsWith("merchant_", StringComparison.Ordinal) || feature == "merchant_visit_count";
}
