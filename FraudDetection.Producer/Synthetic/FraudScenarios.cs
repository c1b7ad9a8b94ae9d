namespace FraudDetection.Producer.Synthetic;

/// <summary>The named traffic scenarios of <c>synth --scenario</c> and <c>POST /api/producer/burst</c>.</summary>
public static class FraudScenarios
{
    public const string Normal = "normal";
    public const string AccountTakeover = "account-takeover";
    public const string CardTesting = "card-testing";
    public const string MerchantCollusion = "merchant-collusion";
    public const string GeographicAnomaly = "geographic-anomaly";
    public const string Mix = "mix";

    /// <summary>The fraud patterns (what a burst can inject, what <see cref="Mix"/> mixes).</summary>
    public static IReadOnlyList<string> Patterns { get; } = [AccountTakeover, CardTesting, MerchantCollusion, GeographicAnomaly];

    public static IReadOnlyList<string> All { get; } = [Normal, AccountTakeover, CardTesting, MerchantCollusion, GeographicAnomaly, Mix];

    public static bool IsPattern(string scenario) => Patterns.Contains(scenario);

    /// <summary>The canonical name, or null when the text names no scenario.</summary>
    public static string? Parse(string? text) =>
        text is null ? null : All.FirstOrDefault(s => string.Equals(s, text.Trim(), StringComparison.OrdinalIgnoreCase));
}

/// <summary>A generated transaction and the scenario that made it ("normal" or a pattern name).</summary>
public readonly record struct SyntheticTransaction(Transaction Transaction, string Scenario);
