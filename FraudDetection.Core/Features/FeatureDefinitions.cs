using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// One feature: its name (the ONNX input column), what it holds, over which window, the group that computes it, and
/// the inputs it needs (absent from a data set: the feature is -1 there and a model is trained without it).
/// </summary>
public sealed record FeatureDefinition(string Name, string Meaning, string Window, string Group, TransactionInputs Requires);

/// <summary>
/// The feature dictionary, in column order: every group's features (<see cref="FeatureGroups.All"/>). "Undefined"
/// values (no history yet, a missing input) are -1, except z-scores (0); no feature is ever NaN or infinite.
/// "Previous" always means the card's transactions strictly before this one.
/// </summary>
public static class FeatureDefinitions
{
    public static IReadOnlyList<FeatureDefinition> All { get; } = [.. FeatureGroups.All.SelectMany(g => g.Features)];
}
