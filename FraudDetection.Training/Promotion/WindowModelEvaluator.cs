using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Promotion;

/// <summary>
/// Scores registered models on the latest labelled window of the data files: every transaction is replayed in
/// event-time order through <see cref="OnlineFeatureState"/> (the code Scoring runs), rows inside the window are
/// scored by the ONNX model and measured at the model's own threshold. The window's features are built once and
/// reused for both models of a comparison.
/// </summary>
public sealed class WindowModelEvaluator(ILogger<WindowModelEvaluator> logger) : IModelEvaluator
{
    private readonly Lock _cacheLock = new();
    private (EvaluationWindow Window, FeatureMatrix Matrix)? _cached;

    public Task<EvaluationWindow> LatestWindowAsync(IReadOnlyList<string> dataFiles, int days, CancellationToken cancellationToken)
        => Task.Run(() =>
        {
            DateTime? last = null;
            foreach (var tx in Read(dataFiles))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (tx.IsFraud is not null && (last is null || tx.TransDateTransTime > last))
                {
                    last = tx.TransDateTransTime;
                }
            }

            if (last is null)
            {
                throw new InvalidOperationException($"No labelled transaction (with is_fraud) in {string.Join(", ", dataFiles)}: nothing to compare models on.");
            }

            return new EvaluationWindow(dataFiles, last.Value.AddDays(-days), last.Value);
        }, cancellationToken);

    public Task<EvaluationMetrics> EvaluateAsync(RegisteredModelVersion model, EvaluationWindow window, CancellationToken cancellationToken)
        => Task.Run(() =>
        {
            using var fraudModel = FraudModel.Load(model.OnnxPath, FeatureSelection.All);
            var matrix = Features(window, cancellationToken).For(fraudModel.Schema);
            var scores = new float[matrix.Rows];
            fraudModel.Predict(matrix.Values.AsSpan(0, matrix.Rows * matrix.Columns), matrix.Rows, scores);

            // Rows without a label do not count.
            var labelled = Enumerable.Range(0, matrix.Rows).Where(i => matrix.Labels[i] >= 0).ToArray();
            var labelledScores = labelled.Select(i => scores[i]).ToArray();
            var labels = labelled.Select(i => matrix.Labels[i] == 1).ToArray();
            var times = labelled.Select(i => matrix.Times[i]).ToArray();
            var cards = labelled.Select(i => matrix.CardNumbers[i]).ToArray();
            var metrics = BinaryMetrics.Evaluate(labelledScores, labels, fraudModel.Threshold, times, cards);
            logger.LogInformation("Version {Version} on {Window}: AP {AveragePrecision:0.0000}, recall {Recall:0.0000} at {Threshold:0.###} ({Rows} rows, {Frauds} frauds)",
                model.Version, window, metrics.AveragePrecision, metrics.Recall, fraudModel.Threshold, metrics.Rows, metrics.Frauds);
            return metrics;
        }, cancellationToken);

    private FeatureMatrix Features(EvaluationWindow window, CancellationToken cancellationToken)
    {
        lock (_cacheLock)
        {
            if (_cached is { } cached && cached.Window == window)
            {
                return cached.Matrix;
            }
        }

        // The training library's reader: files merged in event-time order, rows the pipeline cannot take skipped.
        var matrix = TransactionSource.Replay(window.DataFiles, new ReadReport(), ordered => FeatureMatrix.Build(
            ordered,
            new OnlineFeatureState(),
            emit: tx => (window.From is null || tx.TransDateTransTime > window.From) && (window.To is null || tx.TransDateTransTime <= window.To),
            progress: _ => cancellationToken.ThrowIfCancellationRequested()));
        if (matrix.Rows == 0)
        {
            throw new InvalidOperationException($"The window {window} holds no transaction.");
        }

        lock (_cacheLock)
        {
            _cached = (window, matrix);
        }

        return matrix;
    }

    private IEnumerable<Transaction> Read(IReadOnlyList<string> dataFiles)
        => dataFiles.SelectMany(file => TransactionCsv.ReadFile(file, error => logger.LogDebug("{File} line {Line} skipped: {Reason}", file, error.LineNumber, error.Reason)));
}
