using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Champion;

/// <summary>
/// Loads a registered model.onnx with <see cref="FraudModel"/>: a model of the current feature schema or of a
/// selection of it, refused when it uses a feature this service does not compute (<paramref name="computes"/>: the
/// pipeline's features, e.g. no merchant features without the merchant stage).
/// </summary>
public sealed class OnnxModelLoader(int inferenceThreads = 1, FeatureSelection? computes = null) : IScoringModelLoader
{
    public IScoringModel Load(RegisteredModelVersion version) => Load(version.Version, version.OnnxPath, inferenceThreads, computes);

    public static IScoringModel Load(string version, string onnxPath, int inferenceThreads, FeatureSelection? computes = null)
    {
        computes ??= FeatureSelection.All;
        if (inferenceThreads <= 1)
        {
            return new OnnxScoringModel(version, FraudModel.Load(onnxPath, computes));
        }
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = inferenceThreads,
            InterOpNumThreads = 1,
            ExecutionMode = Microsoft.ML.OnnxRuntime.ExecutionMode.ORT_SEQUENTIAL,
        };
        // Threads that spin between batches would take CPU from the consumer and the Kafka client.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new OnnxScoringModel(version, FraudModel.Load(onnxPath, computes, options));
    }
}

/// <summary>
/// A <see cref="FraudModel"/> named by its registry version, taking full feature rows: a model trained on a selection
/// of the features gets its columns picked out (<see cref="FeatureProjection"/>), and its explanations come back full
/// width (0 for the features it does not use).
/// </summary>
public sealed class OnnxScoringModel(string version, FraudModel model) : IScoringModel
{
    [ThreadStatic]
    private static float[]? projected;

    private readonly FeatureProjection projection = new(model.Schema);

    public FraudModel Model => model;
    public string Version => version;
    public double Threshold => model.Threshold;
    public IReadOnlyList<string> FeatureNames => FeatureSchema.Current.Names;
    public FeatureSchema Schema => model.Schema;

    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        if (projection.IsIdentity)
        {
            model.Predict(features, rows, probabilities);
            return;
        }
        var needed = rows * projection.ModelColumns;
        if (projected is null || projected.Length < needed)
        {
            projected = new float[Math.Max(needed, 4096)];
        }
        projection.Project(features, rows, projected);
        model.Predict(projected.AsSpan(0, needed), rows, probabilities);
    }

    public ModelExplanation Explain(ReadOnlySpan<float> row)
    {
        if (projection.IsIdentity)
        {
            return model.Explain(row);
        }
        var own = new float[projection.ModelColumns];
        projection.Project(row, 1, own);
        var explanation = model.Explain(own);
        return new ModelExplanation(FeatureSchema.Current.Names, projection.Expand(explanation.Contributions), explanation.Bias);
    }

    public void Dispose() => model.Dispose();
}
