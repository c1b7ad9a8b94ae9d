using System.ComponentModel.DataAnnotations;

namespace FraudDetection.Training.Drift;

/// <summary>Options section <c>Training:Drift</c>: retraining when Scoring reports the champion's score has drifted.</summary>
public sealed class DriftWatchOptions
{
    public const string SectionName = "Training:Drift";

    /// <summary>Watches Scoring's drift; off, drift never queues a run (scheduled and API runs go on).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Scoring's base address; unset, <c>http://scoring</c> through service discovery when the app host referenced
    /// Scoring (<c>services:scoring</c> in configuration), else the watch is off.
    /// </summary>
    public string? ScoringUrl { get; set; }

    /// <summary>How often Scoring's stats are read.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The score's PSI above which the champion counts as drifted (0.1 moderate, 0.25 major by the usual reading).</summary>
    [Range(0.0, 100.0)]
    public double PsiThreshold { get; set; } = 0.2;

    /// <summary>How long the score's PSI must stay above the threshold before a run is queued.</summary>
    public TimeSpan SustainFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>After a drift run, how long before drift of the same champion may queue another.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromHours(24);
}
