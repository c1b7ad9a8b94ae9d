using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Champion;

/// <summary>A loaded model Scoring can batch-score with and explain.</summary>
public interface IScoringModel : IDisposable
{
    /// <summary>The registry version (what every scored record carries).</summary>
    string Version { get; }

    double Threshold { get; }

    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Fraud probabilities for <paramref name="rows"/> rows of features laid out row after row.</summary>
    void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities);

    /// <summary>Per-feature TreeSHAP contributions and bias; they sum to the raw margin.</summary>
    ModelExplanation Explain(ReadOnlySpan<float> row);
}

/// <summary>Turns a registered version into a loaded model; throws when its feature schema is not ours.</summary>
public interface IScoringModelLoader
{
    IScoringModel Load(RegisteredModelVersion version);
}
