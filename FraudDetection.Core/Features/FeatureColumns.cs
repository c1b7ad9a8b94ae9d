using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// A group's features, declared one per line next to the code that computes them:
/// <c>static readonly int Cnt24h = Columns.Add("cnt_24h", "meaning", "window");</c> gives the feature its column in
/// the group's slice of the row (declaration order = column order; the JIT treats the field as a constant).
/// </summary>
public sealed class FeatureColumns(string group)
{
    private readonly List<FeatureDefinition> _definitions = [];

    public string Group { get; } = group;

    public IReadOnlyList<FeatureDefinition> Definitions => _definitions;

    public int Count => _definitions.Count;

    /// <summary>Declares the next feature of the group and returns its column within the group.</summary>
    public int Add(string name, string meaning, string window, TransactionInputs requires = TransactionInputs.None)
    {
        _definitions.Add(new FeatureDefinition(name, meaning, window, Group, requires));
        return _definitions.Count - 1;
    }
}
