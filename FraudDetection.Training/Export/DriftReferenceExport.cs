using FraudDetection.Core.Models;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Export;

/// <summary>
/// Writes <see cref="DriftReference.FileName"/> into a model folder from the validation window: the rows the threshold
/// was chosen on, at the natural fraud rate and scored out of sample, which is what live traffic should look like
/// (the training window is down-sampled and scored in sample).
/// </summary>
public static class DriftReferenceExport
{
    /// <summary>Features whose distributions are kept: the most important ones.</summary>
    public const int TopFeatures = 10;

    public static DriftReference Write(
        string modelDirectory, string modelVersion, TrainingSet validation, ReadOnlySpan<float> scores,
        IReadOnlyList<string> featureNames, IEnumerable<NamedValue> importance, double threshold)
    {
        var top = importance
            .Where(feature => feature.Value > 0)
            .OrderByDescending(feature => feature.Value)
            .Select(feature => (Name: feature.Feature, Column: IndexOf(featureNames, feature.Feature)))
            .Where(feature => feature.Column >= 0)
            .Take(TopFeatures)
            .ToList();
        var reference = DriftReference.Build(modelVersion, "validation", validation.Values, validation.FeatureCount, scores, top, threshold);
        reference.Write(modelDirectory);
        return reference;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }
        return -1;
    }
}
