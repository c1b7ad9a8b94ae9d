using System.Globalization;
using FraudDetection.Core.Models;

namespace FraudDetection.Training.Tracking;

/// <summary>How a <see cref="ModelReport"/> is laid out as MLflow params and metrics (one place, both trackers).</summary>
public static class ModelReportTracking
{
    public const string ValidationCurveMetric = "validation_curve";

    public static IReadOnlyDictionary<string, string> Params(ModelReport report)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["trainer"] = report.Trainer,
            ["feature_schema_version"] = report.FeatureSchemaVersion,
            ["feature_count"] = report.FeatureNames.Count.ToString(CultureInfo.InvariantCulture),
            ["threshold"] = report.Threshold.ToString("R", CultureInfo.InvariantCulture),
            ["train_window"] = report.TrainWindow,
            ["validation_window"] = report.ValidationWindow,
        };
        foreach (var (key, value) in report.Params)
        {
            parameters[key] = value;
        }

        return parameters;
    }

    public static IReadOnlyList<MetricPoint> Metrics(ModelReport report, DateTimeOffset timestamp)
    {
        var v = report.Validation;
        var metrics = new List<MetricPoint>
        {
            new("validation_rows", v.Rows, 0, timestamp),
            new("validation_frauds", v.Frauds, 0, timestamp),
            new("validation_roc_auc", v.RocAuc, 0, timestamp),
            new("validation_average_precision", v.AveragePrecision, 0, timestamp),
            new("validation_precision", v.Precision, 0, timestamp),
            new("validation_recall", v.Recall, 0, timestamp),
            new("validation_f1", v.F1, 0, timestamp),
            new("validation_accuracy", v.Accuracy, 0, timestamp),
            new("validation_tp", v.ConfusionMatrix.TruePositives, 0, timestamp),
            new("validation_fp", v.ConfusionMatrix.FalsePositives, 0, timestamp),
            new("validation_tn", v.ConfusionMatrix.TrueNegatives, 0, timestamp),
            new("validation_fn", v.ConfusionMatrix.FalseNegatives, 0, timestamp),
        };
        if (v.CardPrecisionAt100PerDay is { } cardPrecision)
        {
            metrics.Add(new("validation_card_precision_at_100_per_day", cardPrecision, 0, timestamp));
        }

        if (v.Balanced1To1 is { } balanced)
        {
            metrics.Add(new("balanced_1to1_accuracy", balanced.Accuracy, 0, timestamp));
            metrics.Add(new("balanced_1to1_precision", balanced.Precision, 0, timestamp));
            metrics.Add(new("balanced_1to1_recall", balanced.Recall, 0, timestamp));
            metrics.Add(new("balanced_1to1_f1", balanced.F1, 0, timestamp));
        }

        for (var step = 0; step < report.ValidationCurve.Count; step++)
        {
            metrics.Add(new(ValidationCurveMetric, report.ValidationCurve[step], step + 1, timestamp));
        }

        return metrics;
    }
}
