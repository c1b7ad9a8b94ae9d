using System.Diagnostics;
using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Backtest;

/// <summary>One scored transaction of a backtest.</summary>
public readonly record struct BacktestScore(string TransNum, float Score, int? IsFraud, DateTime Time, long Card);

/// <summary>What a backtest did, with the metrics when the input carried labels.</summary>
public sealed record BacktestResult(long HistoryRows, long Rows, long LabelledRows, long SkippedRows, EvaluationMetrics? Metrics, TimeSpan Elapsed, TimeSpan ScoringElapsed)
{
    public double RowsPerSecond => Rows / Math.Max(1e-9, Elapsed.TotalSeconds);
}

/// <summary>
/// Batch scoring through the online path: the state is primed with earlier history (not scored), then each input
/// transaction gets its features from <see cref="OnlineFeatureState.ComputeAndUpdate"/> and is scored by the ONNX
/// model in batches, exactly as Scoring does. The promotion gate uses it to compare champion and challenger.
/// </summary>
/// <remarks>
/// <paramref name="computes"/>: the features the data set allows (its inputs; default everything): the pipeline
/// computes full rows and the model's own columns are picked from them, as Scoring does.
/// </remarks>
public sealed class BacktestRunner(FraudModel model, FeatureOptions? featureOptions = null, int batchSize = 1024, FeatureSelection? computes = null)
{
    private readonly FeatureOptions _options = featureOptions ?? FeatureOptions.Default;
    private readonly FeatureProjection _projection = new(model.Schema);

    /// <summary>Scores <paramref name="input"/> after priming with <paramref name="history"/>; each score goes to <paramref name="onScore"/> in input order.</summary>
    public BacktestResult Run(IEnumerable<Transaction> history, IEnumerable<Transaction> input, Action<BacktestScore>? onScore = null,
        Action<string, long>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var state = new OnlineFeatureState(_options, computes);
        var historyRows = FeatureMatrix.Prime(state, history, n => progress?.Invoke("history", n));

        var f = FeatureSchema.Current.Count;
        var features = new float[batchSize * f];
        var modelRows = _projection.IsIdentity ? features : new float[batchSize * _projection.ModelColumns];
        var probabilities = new float[batchSize];
        var pending = new Transaction[batchSize];
        var scores = new List<float>();
        var labels = new List<bool>();
        var times = new List<DateTime>();
        var cards = new List<long>();
        long rows = 0, labelled = 0, skipped = 0;
        var scoring = new Stopwatch();
        var n = 0;

        void Flush()
        {
            scoring.Start();
            if (!_projection.IsIdentity) _projection.Project(features, n, modelRows);
            model.Predict(modelRows.AsSpan(0, n * model.FeatureCount), n, probabilities);
            scoring.Stop();
            for (var i = 0; i < n; i++)
            {
                var tx = pending[i];
                onScore?.Invoke(new BacktestScore(tx.TransNum, probabilities[i], tx.IsFraud, tx.TransDateTransTime, tx.CcNum));
                if (tx.IsFraud is int label)
                {
                    scores.Add(probabilities[i]);
                    labels.Add(label == 1);
                    times.Add(tx.TransDateTransTime);
                    cards.Add(tx.CcNum);
                    labelled++;
                }
            }
            rows += n;
            n = 0;
            progress?.Invoke("scored", rows);
            cancellationToken.ThrowIfCancellationRequested();
        }

        foreach (var tx in input)
        {
            if (OnlineFeatureState.Validate(tx) is not null)
            {
                skipped++;
                continue;
            }
            state.ComputeAndUpdate(tx, features.AsSpan(n * f, f));
            pending[n++] = tx;
            if (n == batchSize)
            {
                Flush();
            }
        }
        if (n > 0)
        {
            Flush();
        }

        EvaluationMetrics? metrics = null;
        if (labelled > 0)
        {
            metrics = BinaryMetrics.Evaluate(scores.ToArray(), labels.ToArray(), model.Threshold, times.ToArray(), cards.ToArray());
        }
        return new BacktestResult(historyRows, rows, labelled, skipped, metrics, clock.Elapsed, scoring.Elapsed);
    }

    /// <summary>The CLI's backtest: files in, <c>trans_num,score,is_fraud</c> CSV out (label empty when unknown).</summary>
    public BacktestResult RunFiles(IReadOnlyList<string> historyFiles, string inputFile, string outputCsv,
        Action<string, long>? progress = null, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputCsv));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
        var historyReport = new ReadReport();
        var inputReport = new ReadReport();
        using var writer = new StreamWriter(outputCsv, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
        var result = TransactionSource.Replay(historyFiles, historyReport, history =>
            TransactionSource.Replay([inputFile], inputReport, input =>
            {
                // A replay may start over (an unsorted file is sorted in memory): start the output over too.
                writer.Flush();
                writer.BaseStream.SetLength(0);
                writer.WriteLine("trans_num,score,is_fraud");
                return Run(history, input, s =>
                {
                    writer.Write(s.TransNum);
                    writer.Write(',');
                    writer.Write(s.Score.ToString("G9", CultureInfo.InvariantCulture));
                    writer.Write(',');
                    if (s.IsFraud is int label)
                    {
                        writer.Write(label);
                    }
                    writer.WriteLine();
                }, progress, cancellationToken);
            }));
        return result with { SkippedRows = result.SkippedRows + inputReport.BadRows };
    }
}
