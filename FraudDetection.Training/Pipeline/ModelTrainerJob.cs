using FraudDetection.Training.Options;
using FraudDetection.Training.Trainers;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Pipeline;

/// <summary>The host's training job: the training library's <see cref="ModelTrainer"/> with the <c>Training</c> options.</summary>
public sealed class ModelTrainerJob(IOptions<TrainingOptions> options) : ITrainingJob
{
    public async Task<TrainedModel> TrainAsync(TrainingJobRequest request, IProgress<TrainingProgress> progress, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var training = new TrainingRequest
        {
            DataFiles = request.DataFiles,
            OutputDirectory = request.OutputDirectory,
            Trainer = settings.Trainer,
            ModelVersion = request.RunName,
            ReceivedLabels = request.ReceivedLabels,
        };
        training = training with
        {
            Parameters = request.Parameters ?? (settings.Trees is { } trees ? training.Parameters with { Trees = trees } : training.Parameters),
            ShapRows = request.ShapRows ?? settings.ShapRows ?? training.ShapRows,
            TuneTrials = settings.TuneTrials ?? training.TuneTrials,
            ValidationWindow = (request.ValidationDays ?? settings.ValidationDays) is { } days ? TimeSpan.FromDays(days) : training.ValidationWindow,
            NegativesPerFraud = settings.NegativesPerFraud ?? training.NegativesPerFraud,
            Threads = settings.Threads ?? training.Threads,
        };
        var result = await ModelTrainer.TrainAsync(training, progress, cancellationToken);
        progress.Report(new TrainingProgress("exported", $"{result.OnnxPath} in {result.Elapsed.TotalSeconds:0.0}s (ONNX parity max |diff| {result.Parity.MaxAbsDifference:0.#####})"));
        return new TrainedModel(result.ModelDirectory, result.Report);
    }
}
