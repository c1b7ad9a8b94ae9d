using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Champion;

/// <summary>Loads a registered model.onnx with <see cref="FraudModel"/>, which refuses a feature schema other than ours.</summary>
public sealed class OnnxModelLoader : IScoringModelLoader
{
    public IScoringModel Load(RegisteredModelVersion version) => new OnnxScoringModel(version.Version, FraudModel.Load(version.OnnxPath, FeatureSchema.Current));
}

/// <summary>A <see cref="FraudModel"/> named by its registry version.</summary>
public sealed class OnnxScoringModel(string version, FraudModel model) : IScoringModel
{
    public FraudModel Model => model;
    public string Version => version;
    public double Threshold => model.Threshold;
    public IReadOnlyList<string> FeatureNames => model.FeatureNames;

    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities) => model.Predict(features, rows, probabilities);

    public ModelExplanation Explain(ReadOnlySpan<float> row) => model.Explain(row);

    public void Dispose() => model.Dispose();
}
