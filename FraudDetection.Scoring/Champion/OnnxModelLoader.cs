using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Champion;

/// <summary>Loads a registered model.onnx with <see cref="FraudModel"/>, which refuses a feature schema other than ours.</summary>
public sealed class OnnxModelLoader(int inferenceThreads = 1) : IScoringModelLoader
{
    public IScoringModel Load(RegisteredModelVersion version) => Load(version.Version, version.OnnxPath, inferenceThreads);

    public static IScoringModel Load(string version, string onnxPath, int inferenceThreads)
    {
        if (inferenceThreads <= 1)
        {
            return new OnnxScoringModel(version, FraudModel.Load(onnxPath, FeatureSchema.Current));
        }
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = inferenceThreads,
            InterOpNumThreads = 1,
            ExecutionMode = Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL,
        };
        // Threads that spin between batches would take CPU from the consumer and the Kafka client.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new OnnxScoringModel(version, FraudModel.Load(onnxPath, FeatureSchema.Current, options));
    }
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
