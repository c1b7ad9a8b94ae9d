using FraudDetection.Core.Transactions;

namespace FraudDetection.Core.Features;

/// <summary>
/// Which features a model uses: those of the chosen groups whose inputs the data set has. Training builds its matrix
/// with these columns only; the schema it yields (<see cref="Schema"/>) names exactly them, so a model records what it
/// was trained on and Scoring refuses a model that needs what it cannot compute.
/// </summary>
public sealed class FeatureSelection
{
    private readonly HashSet<string> _groups;

    public FeatureSelection(TransactionInputs inputs, IEnumerable<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Inputs = inputs | TransactionInputs.Required;
        _groups = [];
        foreach (var name in groups)
        {
            if (name == FeatureGroups.Card)
            {
                _groups.UnionWith(FeatureGroups.All.Where(g => g.IsCardGroup).Select(g => g.Name));
            }
            else if (name == "all")
            {
                _groups.UnionWith(FeatureGroups.All.Select(g => g.Name));
            }
            else
            {
                _groups.Add(FeatureGroups.Get(name).Name);
            }
        }
        if (_groups.Count == 0)
        {
            throw new ArgumentException("A feature selection needs at least one group.", nameof(groups));
        }
        Columns = [.. Enumerable.Range(0, FeatureSchema.Current.Count).Where(i => Includes(FeatureDefinitions.All[i]))];
        if (Columns.Length == 0)
        {
            throw new ArgumentException($"No feature of the groups {string.Join(",", _groups)} can be computed from the inputs {TransactionInputNames.Format(Inputs)}.", nameof(groups));
        }
        Schema = Columns.Length == FeatureSchema.Current.Count
            ? FeatureSchema.Current
            : FeatureSchema.Create(Columns.Select(i => FeatureSchema.Current.Names[i]), FeatureSchema.SemanticVersion);
    }

    /// <summary>Every group, every input: the full schema.</summary>
    public static FeatureSelection All { get; } = new(TransactionInputs.All, ["all"]);

    /// <summary>
    /// From text: groups as <c>all</c>, <c>card</c> (every card group), <c>merchant</c> or group names, comma-separated
    /// (null or empty: all); inputs as <see cref="TransactionInputNames.Parse"/> reads them.
    /// </summary>
    public static FeatureSelection Parse(string? groups, TransactionInputs inputs = TransactionInputs.All) =>
        new(inputs, string.IsNullOrWhiteSpace(groups) ? ["all"] : groups.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The inputs the data set has (the required ones always).</summary>
    public TransactionInputs Inputs { get; }

    public IReadOnlySet<string> Groups => _groups;

    /// <summary>The selected columns of a full row (<see cref="FeatureSchema.Current"/>), ascending.</summary>
    public int[] Columns { get; }

    /// <summary>The schema of the selected features: <see cref="FeatureSchema.Current"/> when all are selected.</summary>
    public FeatureSchema Schema { get; }

    public bool IsAll => Columns.Length == FeatureSchema.Current.Count;

    public bool IncludesGroup(string group) => _groups.Contains(group);

    public bool Includes(FeatureDefinition feature) => _groups.Contains(feature.Group) && (Inputs & feature.Requires) == feature.Requires;

    /// <summary>"groups=…; inputs=…" for logs and model metadata.</summary>
    public override string ToString() =>
        $"groups={string.Join(',', FeatureGroups.All.Select(g => g.Name).Where(_groups.Contains))}; inputs={TransactionInputNames.Format(Inputs)}";
}
