namespace FraudDetection.Scoring.Drift;

/// <summary>Options section <c>Scoring:Drift</c>: the live window compared with the champion's training reference.</summary>
public sealed class DriftOptions
{
    public const string SectionName = "Scoring:Drift";

    /// <summary>Compares live traffic with the reference and exports <c>fraud_drift_psi</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The last scored transactions the live distributions are taken over.</summary>
    public int WindowRows { get; set; } = 10_000;

    /// <summary>Rows the window needs before a PSI is computed (fewer give noise, not drift).</summary>
    public int MinRows { get; set; } = 500;
}
