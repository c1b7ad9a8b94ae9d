using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Training.Promotion;

/// <summary>
/// Whether Scoring can serve a version: a training run that makes a model Scoring cannot load on its own (the graph
/// model needs embeddings Scoring does not compute) says so in its report's params, and a model trained on another
/// feature schema (an older build's) is refused by Scoring's loader. The gate refuses such a challenger and replaces
/// such a champion; the starter run replaces it at start.
/// </summary>
public static class ModelServing
{
    /// <summary>metrics.json param: <c>false</c> when Scoring cannot serve the model; absent or anything else: servable.</summary>
    public const string ServableParam = "servable";
    public const string NotServableReasonParam = "not_servable_reason";

    /// <summary>Why Scoring cannot serve <paramref name="version"/>, or null when it can (or its report says nothing).</summary>
    public static string? WhyNotServable(RegisteredModelVersion version)
    {
        var path = Path.Combine(version.ModelDirectory, ModelRegistryNames.MetricsFileName);
        ModelReport? report;
        try
        {
            report = JsonSerializer.Deserialize(File.ReadAllBytes(path), ModelReportJsonContext.Default.ModelReport);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
        if (report is null)
        {
            return null;
        }
        if (report.Params.GetValueOrDefault(ServableParam) == "false")
        {
            return report.Params.GetValueOrDefault(NotServableReasonParam) ?? "its training run marked it not servable";
        }
        if (!string.IsNullOrEmpty(report.FeatureSchemaVersion) && report.FeatureSchemaVersion != FeatureSchema.Current.Version)
        {
            return $"trained on feature schema '{report.FeatureSchemaVersion}', and this build computes '{FeatureSchema.Current.Version}'";
        }
        return null;
    }
}
