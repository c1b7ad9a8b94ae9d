namespace FraudDetection.Core.Transactions;

/// <summary>How a merchant is named to people: in messages, pages and alerts.</summary>
public static class MerchantNames
{
    // The Sparkov generator (the Kaggle files, the bundled sample) starts every merchant's name with it; it says
    // nothing about the merchant, and a fraud team or card holder would read it as a verdict.
    private const string SparkovPrefix = "fraud_";

    /// <summary>The name without the Sparkov generator's prefix; "?" when there is none.</summary>
    public static string Display(string? merchant) =>
        merchant is null ? "?" : merchant.StartsWith(SparkovPrefix, StringComparison.Ordinal) ? merchant[SparkovPrefix.Length..] : merchant;
}
