using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Tests.Registry;

/// <summary>Model folders for registry tests: model.onnx bytes, a metrics.json in the ModelReport contract, plot files.</summary>
internal static class TestModels
{
    public static ModelReport Report(string version, double averagePrecision, double recall) => new()
    {
        ModelVersion = version,
        Trainer = "lightgbm",
        CreatedAt = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero),
        FeatureSchemaVersion = FeatureSchema.Current.Version,
        FeatureNames = ["amt", "amt_zscore_card", "tx_count_1h"],
        Threshold = 0.42,
        TrainWindow = "2019-01-01..2019-05-31",
        ValidationWindow = "2019-06-01..2019-06-30",
        Params = new Dictionary<string, string> { ["num_leaves"] = "31", ["learning_rate"] = "0.05" },
        Validation = new EvaluationMetrics
        {
            Rows = 10_000,
            Frauds = 60,
            RocAuc = 0.97,
            AveragePrecision = averagePrecision,
            Threshold = 0.42,
            Precision = 0.8,
            Recall = recall,
            F1 = 0.78,
            Accuracy = 0.998,
            ConfusionMatrix = new ConfusionCounts(45, 11, 9929, 15),
        },
        ValidationCurve = [0.5, 0.6, averagePrecision],
        FeatureImportance = [new("amt", 0.7), new("amt_zscore_card", 0.2), new("tx_count_1h", 0.1)],
        ShapMeanAbs = [new("amt", 1.2), new("amt_zscore_card", 0.4), new("tx_count_1h", 0.1)],
        Plots = [],
    };

    public static string WriteFolder(string folder, ModelReport report, byte[]? onnx = null, IReadOnlyDictionary<string, byte[]>? plots = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, ModelRegistryNames.OnnxFileName), onnx ?? [0x08, 0x07, 0x12, 0x04]);
        foreach (var (name, bytes) in plots ?? new Dictionary<string, byte[]>())
        {
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }

        var withPlots = report with { Plots = (plots ?? new Dictionary<string, byte[]>()).Keys.ToList() };
        File.WriteAllText(Path.Combine(folder, ModelRegistryNames.MetricsFileName), JsonSerializer.Serialize(withPlots, ModelReportJsonContext.Default.ModelReport));
        return folder;
    }
}
