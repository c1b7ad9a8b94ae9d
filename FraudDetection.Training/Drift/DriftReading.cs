namespace FraudDetection.Training.Drift;

/// <summary>What Scoring's <c>drift</c> stats section says: the champion, and its score's PSI once the window has enough rows.</summary>
public sealed record DriftReading(string Status, string? ModelVersion, double? ScorePsi, int WindowRows);

/// <summary>Where drift readings come from (Scoring's stats endpoint).</summary>
public interface IDriftReadings
{
    /// <summary>The current reading; null when Scoring has no drift section (an older Scoring, drift off).</summary>
    Task<DriftReading?> ReadAsync(CancellationToken cancellationToken);
}
