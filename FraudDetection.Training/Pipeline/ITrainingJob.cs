using FraudDetection.Core.Models;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Pipeline;

/// <summary>
/// What one training run is asked to do: the labelled data and the folder the model goes to; parameters, SHAP
/// rows and validation days given here replace the <c>Training</c> options' for this run.
/// </summary>
public sealed record TrainingJobRequest(IReadOnlyList<string> DataFiles, string OutputDirectory, string RunName, HyperParameters? Parameters = null,
    int? ShapRows = null, int? ValidationDays = null, Labels.ReceivedLabels? ReceivedLabels = null);

/// <summary>A trained model folder (model.onnx, metrics.json, plots) and its report.</summary>
public sealed record TrainedModel(string ModelDirectory, ModelReport Report);

/// <summary>Trains a model from labelled data into a model folder; the training library implements it.</summary>
public interface ITrainingJob
{
    Task<TrainedModel> TrainAsync(TrainingJobRequest request, IProgress<TrainingProgress> progress, CancellationToken cancellationToken);
}
