using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;

namespace FraudDetection.Training.Trainers;

/// <summary>What the run needs of a trained model, whatever the learner: scores, SHAP, importance, ONNX, and ML.NET's own scores for parity.</summary>
public interface ITrainedModel
{
    int FeatureCount { get; }
    LogisticLink Link { get; }
    /// <summary>The parameters that made it, for metrics.json.</summary>
    IReadOnlyDictionary<string, string> ParameterValues { get; }
    /// <summary>Importance per feature (schema order): total split gain for trees, |weight| × std for a linear model.</summary>
    IReadOnlyList<double> ImportanceByFeature { get; }
    double Probability(ReadOnlySpan<float> row);
    /// <summary>Exact SHAP values (margin space) into <paramref name="contributions"/>; returns the bias.</summary>
    double Explain(ReadOnlySpan<float> row, Span<double> contributions);
    /// <summary>Validation AP as the model grows (per 10 trees), or a single point.</summary>
    IReadOnlyList<double> ValidationCurve(TrainingSet valid);
    ModelProto ToOnnx(IReadOnlyDictionary<string, string> metadata);
    /// <summary>ML.NET's raw score ("Score" column) for each row, before the link.</summary>
    float[] MlNetRawScores(TrainingSet data);
}
