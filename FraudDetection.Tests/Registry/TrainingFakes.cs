using System.Collections.Concurrent;
using System.Text.Json;
using FraudDetection.Core.Models;
using FraudDetection.Training.Pipeline;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Schedule;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Registry;

/// <summary>
/// A training job that writes a model folder whose report carries the next queued figures, so a test decides
/// how good each new model is without training one.
/// </summary>
internal sealed class ScriptedTrainingJob : ITrainingJob
{
    private readonly ConcurrentQueue<(double AveragePrecision, double Recall)> _next = new();

    public ScriptedTrainingJob Then(double averagePrecision, double recall)
    {
        _next.Enqueue((averagePrecision, recall));
        return this;
    }

    public int Calls { get; private set; }

    /// <summary>Every request, in call order.</summary>
    public ConcurrentQueue<TrainingJobRequest> Requests { get; } = new();

    public Func<TrainingJobRequest, IReadOnlyDictionary<string, byte[]>>? Plots { get; set; }

    public Task<TrainedModel> TrainAsync(TrainingJobRequest request, IProgress<TrainingProgress> progress, CancellationToken cancellationToken)
    {
        Calls++;
        Requests.Enqueue(request);
        if (!_next.TryDequeue(out var figures))
        {
            throw new InvalidOperationException("the test queued no more models");
        }

        progress.Report(new TrainingProgress("train", $"training on {request.DataFiles.Count} file(s)"));
        var report = TestModels.Report(request.RunName, figures.AveragePrecision, figures.Recall);
        TestModels.WriteFolder(request.OutputDirectory, report, plots: Plots?.Invoke(request));
        return Task.FromResult(new TrainedModel(request.OutputDirectory, report));
    }
}

/// <summary>Scores on "the latest window" by reading each model's precomputed figures from its metrics.json.</summary>
internal sealed class PrecomputedEvaluator : IModelEvaluator
{
    public List<string> Evaluated { get; } = [];

    public Task<EvaluationWindow> LatestWindowAsync(IReadOnlyList<string> dataFiles, int days, CancellationToken cancellationToken)
        => Task.FromResult(new EvaluationWindow(dataFiles, new DateTime(2020, 6, 14), new DateTime(2020, 6, 21)));

    public Task<EvaluationMetrics> EvaluateAsync(RegisteredModelVersion model, EvaluationWindow window, CancellationToken cancellationToken)
    {
        Evaluated.Add(model.Version);
        var report = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(model.ModelDirectory, ModelRegistryNames.MetricsFileName)), ModelReportJsonContext.Default.ModelReport)!;
        return Task.FromResult(report.Validation);
    }
}

/// <summary>A training job that runs until it is cancelled (the host stopping).</summary>
internal sealed class EndlessTrainingJob : ITrainingJob
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<TrainedModel> TrainAsync(TrainingJobRequest request, IProgress<TrainingProgress> progress, CancellationToken cancellationToken)
    {
        Started.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }
}
