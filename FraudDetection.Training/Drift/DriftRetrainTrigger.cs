using System.Globalization;
using FraudDetection.Training.Runs;

namespace FraudDetection.Training.Drift;

/// <summary>
/// Decides, reading after reading, when drift queues a retraining run: the score's PSI above the threshold for
/// <see cref="DriftWatchOptions.SustainFor"/> queues one run (trigger and <c>reason</c> tag <c>drift</c>), which goes
/// through the preflight and the promotion gate like any run. One drift episode queues one run: another needs the PSI
/// to fall back under the threshold first, a new champion (a fresh window against its own reference), or
/// <see cref="DriftWatchOptions.RetryAfter"/> to pass.
/// </summary>
public sealed class DriftRetrainTrigger(TrainingRunQueue queue, DriftWatchOptions options, ILogger logger)
{
    public const string Trigger = "drift";

    private string? champion;
    private DateTimeOffset? aboveSince;
    private DateTimeOffset? queuedAt;

    /// <summary>Since when the current champion's score PSI has been above the threshold (null: it is not).</summary>
    public DateTimeOffset? AboveSince => aboveSince;

    /// <summary>Takes one reading at <paramref name="now"/>; the run it queued, if any.</summary>
    public TrainingRunStatus? Consider(DriftReading? reading, DateTimeOffset now)
    {
        if (reading?.ModelVersion != champion)
        {
            champion = reading?.ModelVersion;
            aboveSince = null;
            queuedAt = null;
        }
        if (reading?.ScorePsi is not { } psi || psi <= options.PsiThreshold)
        {
            aboveSince = null;
            queuedAt = null;
            return null;
        }

        aboveSince ??= now;
        if (now - aboveSince < options.SustainFor || (queuedAt is { } last && now - last < options.RetryAfter))
        {
            return null;
        }

        var tags = new Dictionary<string, string>
        {
            ["reason"] = Trigger,
            ["drift_score_psi"] = psi.ToString("0.####", CultureInfo.InvariantCulture),
            ["drift_psi_threshold"] = options.PsiThreshold.ToString("0.####", CultureInfo.InvariantCulture),
            ["drift_above_since"] = aboveSince.Value.ToString("O", CultureInfo.InvariantCulture),
            ["drift_model_version"] = champion ?? "",
        };
        var run = queue.TryEnqueue(Trigger, tags);
        if (run is null)
        {
            logger.LogWarning("Score PSI {Psi:0.###} of champion {Version} above {Threshold} since {Since:o}, but the run queue is full; will try again",
                psi, champion, options.PsiThreshold, aboveSince);
            return null;
        }
        queuedAt = now;
        queue.AppendLog(run.Id, string.Create(CultureInfo.InvariantCulture,
            $"queued by drift: score PSI {psi:0.###} of champion {champion} above {options.PsiThreshold} since {aboveSince:yyyy-MM-dd HH:mm:ss}Z"));
        logger.LogWarning("Score PSI {Psi:0.###} of champion {Version} above {Threshold} since {Since:o}: retraining run {Id} queued (reason drift)",
            psi, champion, options.PsiThreshold, aboveSince, run.Id);
        return run;
    }
}
