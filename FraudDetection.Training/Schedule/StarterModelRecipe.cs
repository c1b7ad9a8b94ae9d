using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Schedule;

/// <summary>
/// The starter model the default run trains when the registry has no champion: quick (120 trees), on the bundled
/// six weeks before the replay (data/README.md), the first four to train and the last two to pick the threshold —
/// the library's default four-week validation would leave two weeks and a third of the frauds to learn from.
/// Scheduled retraining replaces it through the promotion gate.
/// </summary>
public static class StarterModelRecipe
{
    public const int ValidationDays = 14;

    public const int ShapRows = 500;

    public static HyperParameters Parameters { get; } = new(Trees: 120, LearningRate: 0.1);

    /// <summary>The pipeline request of a starter run.</summary>
    public static TrainingPipelineRequest PipelineRequest(string trigger, IReadOnlyList<string> dataFiles, string outputDirectory) =>
        new(trigger, dataFiles, outputDirectory) { Parameters = Parameters, ShapRows = ShapRows, ValidationDays = ValidationDays };

    /// <summary>The same run as a training-library request (what the pipeline's job trains, with the default options).</summary>
    public static TrainingRequest TrainingRequest(IReadOnlyList<string> dataFiles, string outputDirectory) => new()
    {
        DataFiles = dataFiles,
        OutputDirectory = outputDirectory,
        Parameters = Parameters,
        ShapRows = ShapRows,
        ValidationWindow = TimeSpan.FromDays(ValidationDays),
    };
}
