using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;

namespace FraudDetection.Tests.Scoring;

/// <summary>The pipeline and models the scoring tests run with.</summary>
public static class ScoringModels
{
    public static IFeaturePipeline Pipeline() => new CountingFeaturePipeline();

    /// <summary>A model per version string; versions differ in their weights so a swap shows in the scores.</summary>
    public static IScoringModel Build(string version)
    {
        var pipeline = Pipeline();
        var shift = version == "2" ? 0.004f : 0f;
        return new LinearTestModel(version, [-0.01f, 0.0001f, 0.012f + shift, 0.05f], -2.2f, 0.5, pipeline.Names);
    }

    public static IScoringModelLoader Loader() => new TestModelLoader(Build);
}
