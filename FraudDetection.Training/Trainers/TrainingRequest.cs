using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions.Mapping;
using FraudDetection.Training.Export;

namespace FraudDetection.Training.Trainers;

/// <summary>What to train: the CLI's <c>train</c> options, and what scheduled retraining and the AppHost pass in-process.</summary>
public sealed record TrainingRequest
{
    /// <summary>Kaggle-schema CSV files (plain or .gz), merged in event-time order.</summary>
    public required IReadOnlyList<string> DataFiles { get; init; }
    /// <summary>How the files' columns map to transaction fields (null: the Kaggle layout).</summary>
    public ColumnMapping? Mapping { get; init; }
    /// <summary>Where model.onnx, metrics.json and the plots go (created).</summary>
    public required string OutputDirectory { get; init; }
    /// <summary>First day of the validation window; default: the last <see cref="ValidationWindow"/> of the data.</summary>
    public DateTime? ValidFrom { get; init; }
    public TimeSpan ValidationWindow { get; init; } = TimeSpan.FromDays(28);
    public TrainerKind Trainer { get; init; } = TrainerKind.LightGbm;
    /// <summary>Random-search trials on the validation window besides the default parameters (0 = defaults only).</summary>
    public int TuneTrials { get; init; }
    /// <summary>Tuning stops starting new trials after this long.</summary>
    public TimeSpan TuneBudget { get; init; } = TimeSpan.FromSeconds(90);
    public int Seed { get; init; } = 42;
    /// <summary>When set, the threshold minimises false positives + ratio × missed frauds instead of maximising F1.</summary>
    public double? CostRatio { get; init; }
    /// <summary>Negatives kept per fraud in the training window (random, seeded); the prior is corrected in the link. 0 keeps all.</summary>
    public double NegativesPerFraud { get; init; } = 15;
    public HyperParameters Parameters { get; init; } = new();
    public FeatureOptions FeatureOptions { get; init; } = FeatureOptions.Default;
    /// <summary>
    /// The features to train on: groups (e.g. card only, for an ablation) and the inputs the data set has (features
    /// needing an absent input are left out). The model's feature schema names exactly these.
    /// </summary>
    public FeatureSelection Features { get; init; } = FeatureSelection.All;
    /// <summary>Validation rows explained with TreeSHAP for mean |SHAP| and the summary plot.</summary>
    public int ShapRows { get; init; } = 1000;
    public bool WritePlots { get; init; } = true;
    /// <summary>Version written into the model and metrics; default: a UTC timestamp.</summary>
    public string? ModelVersion { get; init; }
    /// <summary>
    /// Worker threads for the learner; 0 = all cores. Default 1: LightGBM's OpenMP threads spin-wait, and on a
    /// shared, oversubscribed CPU two of them trained 6x slower than one (measured on the 2-core dev machine).
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>Verdicts received on fraud.labels that replace the files' targets (null: the files' labels only).</summary>
    public Labels.ReceivedLabels? ReceivedLabels { get; init; }

    /// <summary>Graph model settings (<see cref="TrainerKind.GraphSage"/>); null: its defaults.</summary>
    public Graph.Training.GraphSageOptions? Graph { get; init; }
}

/// <summary>A finished run: the folder with model.onnx + metrics.json + plots, and the report written there.</summary>
public sealed record TrainingResult(string ModelDirectory, string OnnxPath, ModelReport Report, ParityReport Parity, TimeSpan Elapsed);

/// <summary>A step of a run, for progress displays.</summary>
public sealed record TrainingProgress(string Stage, string Message, long? Done = null, long? Total = null);
