using FraudDetection.Core.Models;

namespace FraudDetection.Training.Promotion;

/// <summary>A labelled window of transactions: the files it comes from and the event-time range that counts.</summary>
public sealed record EvaluationWindow(IReadOnlyList<string> DataFiles, DateTime? From, DateTime? To)
{
    public override string ToString() => $"{From:yyyy-MM-dd HH:mm}..{To:yyyy-MM-dd HH:mm}";
}

/// <summary>Scores a registered model on a labelled window (features computed by the shared online code) and measures it.</summary>
public interface IModelEvaluator
{
    /// <summary>The latest labelled window of <paramref name="dataFiles"/>: its last <paramref name="days"/> days.</summary>
    Task<EvaluationWindow> LatestWindowAsync(IReadOnlyList<string> dataFiles, int days, CancellationToken cancellationToken);

    /// <summary>Average precision, and precision/recall at the model's own threshold, on <paramref name="window"/>.</summary>
    Task<EvaluationMetrics> EvaluateAsync(RegisteredModelVersion model, EvaluationWindow window, CancellationToken cancellationToken);
}
