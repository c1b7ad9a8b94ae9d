using System.Text.Json.Serialization;

namespace FraudDetection.Core.Models;

/// <summary>Binary-classification figures of the fraud class on one labelled window.</summary>
public sealed record EvaluationMetrics
{
    [JsonPropertyName("rows")] public long Rows { get; init; }
    [JsonPropertyName("frauds")] public long Frauds { get; init; }
    [JsonPropertyName("roc_auc")] public double RocAuc { get; init; }
    [JsonPropertyName("average_precision")] public double AveragePrecision { get; init; }
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    [JsonPropertyName("precision")] public double Precision { get; init; }
    [JsonPropertyName("recall")] public double Recall { get; init; }
    [JsonPropertyName("f1")] public double F1 { get; init; }
    [JsonPropertyName("accuracy")] public double Accuracy { get; init; }
    [JsonPropertyName("confusion_matrix")] public ConfusionCounts ConfusionMatrix { get; init; } = new(0, 0, 0, 0);
    /// <summary>Mean over days of the share of frauds among the day's 100 highest-scored cards.</summary>
    [JsonPropertyName("card_precision_at_100_per_day")] public double? CardPrecisionAt100PerDay { get; init; }
    /// <summary>Accuracy/precision/recall/F1 on a 1:1 down-sampled copy, to sit beside the KB project's table.</summary>
    [JsonPropertyName("balanced_1to1")] public BalancedMetrics? Balanced1To1 { get; init; }
}

public sealed record ConfusionCounts(
    [property: JsonPropertyName("tp")] long TruePositives,
    [property: JsonPropertyName("fp")] long FalsePositives,
    [property: JsonPropertyName("tn")] long TrueNegatives,
    [property: JsonPropertyName("fn")] long FalseNegatives);

public sealed record BalancedMetrics(
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("f1")] double F1);

public sealed record NamedValue(
    [property: JsonPropertyName("feature")] string Feature,
    [property: JsonPropertyName("value")] double Value);

/// <summary>
/// What a training run says about its model: written as <c>metrics.json</c> beside <c>model.onnx</c>,
/// logged to MLflow, read by the promotion gate and the model dictionary pages.
/// </summary>
public sealed record ModelReport
{
    [JsonPropertyName("model_version")] public string ModelVersion { get; init; } = "";
    [JsonPropertyName("trainer")] public string Trainer { get; init; } = "";
    [JsonPropertyName("created_at")] public DateTimeOffset CreatedAt { get; init; }
    [JsonPropertyName("feature_schema_version")] public string FeatureSchemaVersion { get; init; } = "";
    [JsonPropertyName("feature_names")] public IReadOnlyList<string> FeatureNames { get; init; } = [];
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    [JsonPropertyName("train_window")] public string TrainWindow { get; init; } = "";
    [JsonPropertyName("validation_window")] public string ValidationWindow { get; init; } = "";
    [JsonPropertyName("params")] public IReadOnlyDictionary<string, string> Params { get; init; } = new Dictionary<string, string>();
    /// <summary>Held-out (time-based validation) window at the natural fraud rate.</summary>
    [JsonPropertyName("validation")] public EvaluationMetrics Validation { get; init; } = new();
    /// <summary>Per-iteration validation curve (e.g. AP after each boosting round), for MLflow step metrics.</summary>
    [JsonPropertyName("validation_curve")] public IReadOnlyList<double> ValidationCurve { get; init; } = [];
    [JsonPropertyName("feature_importance")] public IReadOnlyList<NamedValue> FeatureImportance { get; init; } = [];
    [JsonPropertyName("shap_mean_abs")] public IReadOnlyList<NamedValue> ShapMeanAbs { get; init; } = [];
    /// <summary>PNG file names in the model folder (confusion matrix, PR, ROC, SHAP summary, importance).</summary>
    [JsonPropertyName("plots")] public IReadOnlyList<string> Plots { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ModelReport))]
public sealed partial class ModelReportJsonContext : JsonSerializerContext;
