using FraudDetection.Core.Features;
using FraudDetection.Core.Models;

namespace FraudDetection.Scoring.Champion;

/// <summary>A loaded model Scoring can batch-score with and explain.</summary>
public interface IScoringModel : IDisposable
{
    /// <summary>The registry version (what every scored record carries).</summary>
    string Version { get; }

    double Threshold { get; }

    /// <summary>The names of the columns <see cref="Predict"/> takes: every feature (<see cref="FeatureSchema.Current"/>).</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The features the model was trained on (the current schema or a selection of it).</summary>
    FeatureSchema Schema { get; }

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
