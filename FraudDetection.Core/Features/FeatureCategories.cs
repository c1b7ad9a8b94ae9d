namespace FraudDetection.Core.Features;

/// <summary>The fixed merchant-category list of the Kaggle/Sparkov data; the feature value is the index, -1 for others.</summary>
public static class FeatureCategories
{
    public static IReadOnlyList<string> Names { get; } =
    [
        "entertainment", "food_dining", "gas_transport", "grocery_net", "grocery_pos", "health_fitness", "home",
        "kids_pets", "misc_net", "misc_pos", "personal_care", "shopping_net", "shopping_pos", "travel",
    ];

    /// <summary>Slot for categories outside the list (kept in per-card state, reported as -1).</summary>
    public const int Unknown = 14;

    /// <summary>Number of per-card category slots (the 14 known ones + unknown).</summary>
    public const int Slots = 15;

    public static int CodeOf(string category) => category switch
    {
        "entertainment" => 0,
        "food_dining" => 1,
        "gas_transport" => 2,
        "grocery_net" => 3,
        "grocery_pos" => 4,
        "health_fitness" => 5,
        "home" => 6,
        "kids_pets" => 7,
        "misc_net" => 8,
        "misc_pos" => 9,
        "personal_care" => 10,
        "shopping_net" => 11,
        "shopping_pos" => 12,
        "travel" => 13,
        _ => Unknown,
    };
}
