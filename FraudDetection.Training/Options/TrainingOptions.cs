using System.ComponentModel.DataAnnotations;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Options;

/// <summary>Options section <c>Training</c>: when and on what data the Training host retrains.</summary>
public sealed class TrainingOptions
{
    public const string SectionName = "Training";

    /// <summary>Cron expression (5 fields, or 6 with seconds) in <see cref="TimeZone"/>; default daily at 03:00.</summary>
    [Required]
    public string Schedule { get; set; } = "0 3 * * *";

    /// <summary>Turns the scheduled retraining off (API-triggered runs still work).</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>Time zone id the cron is read in.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Labelled Kaggle-schema CSV files (plain or .gz) a run trains on, relative to the working directory or the repository root; default the bundled <c>data/sample.csv.gz</c>.</summary>
    public List<string> DataFiles { get; set; } = [];

    /// <summary>Learner of scheduled and API runs: <c>LightGbm</c>, <c>FastTree</c> or <c>Logistic</c>.</summary>
    public TrainerKind Trainer { get; set; } = TrainerKind.LightGbm;

    // Unset (null) knobs keep the training library's defaults (TrainingRequest, HyperParameters).

    /// <summary>Boosting rounds of the default parameters (tuning trials draw their own).</summary>
    [Range(1, 10_000)]
    public int? Trees { get; set; }

    /// <summary>Validation rows explained with TreeSHAP for the SHAP summary.</summary>
    [Range(0, 1_000_000)]
    public int? ShapRows { get; set; }

    /// <summary>Random-search tuning trials per run besides the default parameters.</summary>
    [Range(0, 1000)]
    public int? TuneTrials { get; set; }

    /// <summary>Days at the end of the data held out for validation (threshold, metrics, plots).</summary>
    [Range(1, 3650)]
    public int? ValidationDays { get; set; }

    /// <summary>Negatives kept per fraud in the training window (0 keeps all).</summary>
    [Range(0, 1_000_000)]
    public double? NegativesPerFraud { get; set; }

    /// <summary>Learner threads (0 = all cores).</summary>
    [Range(0, 1024)]
    public int? Threads { get; set; }

    /// <summary>Where runs build their model folders; default <c>&lt;FraudDetection:DataDirectory&gt;/training</c>.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Trains a starter model at start when the registry has no champion.</summary>
    public bool TrainStarterModel { get; set; } = true;

    /// <summary>Parameters of the starter run only (section <c>Training:Starter</c>); unset ones keep the run's usual values.</summary>
    public StarterModelOptions Starter { get; set; } = new();

    /// <summary>How long each preflight check may take.</summary>
    public TimeSpan PreflightTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Fail a run when no Kafka broker is configured (by default an unconfigured broker is reported and skipped).</summary>
    public bool RequireBroker { get; set; }

    /// <summary>Finished runs kept in memory for <c>GET /api/training/runs</c>.</summary>
    [Range(1, 10_000)]
    public int RunHistory { get; set; } = 100;

    /// <summary>Runs that may wait for the one in progress; a start beyond that is refused.</summary>
    [Range(1, 100)]
    public int QueueCapacity { get; set; } = 4;
}

/// <summary>
/// A quicker first model, so that a fresh system scores within a minute; scheduled runs train the full configuration and
/// the promotion gate replaces the starter when they beat it.
/// </summary>
public sealed class StarterModelOptions
{
    [Range(1, 10_000)]
    public int? Trees { get; set; }

    [Range(1e-4, 1)]
    public double? LearningRate { get; set; }

    [Range(0, 1_000_000)]
    public int? ShapRows { get; set; }

    /// <summary>Days at the end of the data held out for validation (the threshold is picked there).</summary>
    [Range(1, 365)]
    public int? ValidationDays { get; set; }
}
