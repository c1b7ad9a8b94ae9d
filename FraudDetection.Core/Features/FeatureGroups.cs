using FraudDetection.Core.Features.Card;
using FraudDetection.Core.Features.Merchant;

namespace FraudDetection.Core.Features;

/// <summary>A set of features computed together from one slice of state; its columns are contiguous in the row.</summary>
public sealed record FeatureGroup(string Name, string Description, IReadOnlyList<FeatureDefinition> Features, int Offset)
{
    public int Count => Features.Count;

    public bool IsCardGroup => Name != FeatureGroups.Merchant;
}

/// <summary>
/// Every feature group in column order. A new feature goes into its group's file (one declaration, one line that
/// computes it); only a new group is added here.
/// </summary>
public static class FeatureGroups
{
    public const string Transaction = "transaction";
    public const string CardRecency = "card_recency";
    public const string CardRecent = "card_recent";
    public const string CardAmounts = "card_amounts";
    public const string CardCategories = "card_categories";
    public const string CardHabits = "card_habits";
    public const string CardLabels = "card_labels";
    public const string Merchant = "merchant";

    /// <summary>Selection alias: every group computed from the card's own history and the transaction itself.</summary>
    public const string Card = "card";

    public static IReadOnlyList<FeatureGroup> All { get; } = Build(
    [
        (TransactionFeatures.Columns, "the transaction itself"),
        (CardRecencyFeatures.Columns, "the card's previous transaction, at this merchant, in this category"),
        (CardRecentFeatures.Columns, "sliding windows and ranks over the card's recent transactions"),
        (CardAmountFeatures.Columns, "the card's amount profile and typical daily activity"),
        (CardCategoryFeatures.Columns, "the card's amount profile in this transaction's category"),
        (CardHabitFeatures.Columns, "the card's habits and what is new to it"),
        (CardLabelFeatures.Columns, "the card's fraud labels known by now"),
        (MerchantFeatures.Columns, "the merchant across all cards, by complete days"),
    ]);

    public static FeatureGroup Get(string name) =>
        All.FirstOrDefault(g => g.Name == name) ?? throw new ArgumentException($"Unknown feature group '{name}'; known: {string.Join(", ", All.Select(g => g.Name))}.", nameof(name));

    internal static int OffsetOf(FeatureColumns columns) => All.First(g => g.Name == columns.Group).Offset;

    private static List<FeatureGroup> Build(IEnumerable<(FeatureColumns Columns, string Description)> groups)
    {
        var list = new List<FeatureGroup>();
        var offset = 0;
        foreach (var (columns, description) in groups)
        {
            list.Add(new FeatureGroup(columns.Group, description, columns.Definitions, offset));
            offset += columns.Count;
        }
        return list;
    }
}
