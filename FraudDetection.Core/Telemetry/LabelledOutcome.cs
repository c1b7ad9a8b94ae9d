namespace FraudDetection.Core.Telemetry;

/// <summary>
/// The <c>outcome</c> label of <see cref="FraudMetrics.Labelled"/>: a scored transaction that carried <c>is_fraud</c>,
/// its alert against its label. These counts are the live precision and recall; the label never reaches the score.
/// </summary>
public static class LabelledOutcome
{
    /// <summary>Alert on a fraud: caught.</summary>
    public const string TruePositive = "tp";

    /// <summary>Alert on a genuine transaction: a false alert.</summary>
    public const string FalsePositive = "fp";

    /// <summary>No alert on a fraud: missed.</summary>
    public const string FalseNegative = "fn";

    /// <summary>No alert on a genuine transaction.</summary>
    public const string TrueNegative = "tn";

    public static IReadOnlyList<string> All { get; } = [TruePositive, FalsePositive, FalseNegative, TrueNegative];

    public static string Of(bool fraud, bool alert) => All[IndexOf(fraud, alert)];

    /// <summary>The outcome's position in <see cref="All"/>.</summary>
    public static int IndexOf(bool fraud, bool alert) => alert ? (fraud ? 0 : 1) : (fraud ? 2 : 3);
}
