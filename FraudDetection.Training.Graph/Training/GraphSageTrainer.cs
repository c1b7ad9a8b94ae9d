using System.Diagnostics;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Model;

namespace FraudDetection.Training.Graph.Training;

/// <summary>What a training run produced: the best epoch's model, every epoch, and the validation scores of the best one.</summary>
public sealed record GraphSageTrainingResult(
    GraphSageModel Model,
    IReadOnlyList<GraphEpoch> Epochs,
    int BestEpoch,
    float[] ValidationScores,
    string StoppedBy,
    double NegativeSamplingRate);

/// <summary>
/// Mini-batch training of the graph model: every epoch draws the negatives anew (all frauds kept), shuffles, and for
/// each batch samples each row's neighbourhood at its snapshot, runs forward and backward, and takes an Adam step.
/// A batch is cut into a fixed number of chunks whose gradients are computed in parallel and summed in chunk order,
/// so the result depends on the seed only, not on the number of threads. After each epoch the validation rows are
/// scored (natural rate) and the best average precision's weights kept; training stops after
/// <see cref="GraphSageOptions.Patience"/> epochs without a better one.
/// </summary>
public static class GraphSageTrainer
{
    /// <summary>Fixed so that the summation order (hence every weight) does not depend on the machine.</summary>
    public const int Chunks = 8;

    public static GraphSageTrainingResult Train(
        TemporalGraph graph,
        IReadOnlyList<int> trainRows,
        IReadOnlyList<int> validationRows,
        GraphSageOptions options,
        Func<float[], bool[], double> averagePrecision,
        IProgress<GraphEpoch>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        var data = graph.Data;
        var frauds = trainRows.Where(r => data.Labels[r] == 1).ToArray();
        var negatives = trainRows.Where(r => data.Labels[r] != 1).ToArray();
        if (frauds.Length == 0 || negatives.Length == 0 || validationRows.Count == 0)
        {
            throw new InvalidDataException("Graph training needs frauds and non-frauds in the training window and validation rows.");
        }
        var rate = options.NegativesPerFraud <= 0 ? 1.0 : Math.Min(1.0, options.NegativesPerFraud * frauds.Length / negatives.Length);
        var shape = new GraphSageShape(GraphFeatures.NodeCount, GraphFeatures.EdgeCount, data.FeatureCount,
            options.Hidden1, options.Hidden2, options.ClassifierHidden, options.Fanout1, options.Fanout2);
        var layout = new ParameterLayout(shape);
        var scalers = GraphScalers.Fit(graph, trainRows, options.Fanout1, options.ScalerRows, options.Seed);
        var parameters = Initialize(layout, options.Seed);
        var builder = new NeighbourhoodBuilder(graph, shape, scalers, options.Seed);
        var network = new GraphSageNetwork<float>(layout);
        var adam = new AdamOptimizer(layout.Count, options.LearningRate, clipNorm: options.GradientClip);
        var validationLabels = validationRows.Select(r => data.Labels[r] == 1).ToArray();
        var parallel = GraphSageModel.Options(options.Threads, cancellationToken);

        var workspaces = Enumerable.Range(0, Chunks).Select(_ => new Workspace<float>(shape)).ToArray();
        var gradients = Enumerable.Range(0, Chunks).Select(_ => new float[layout.Count]).ToArray();
        var losses = new double[Chunks];
        var total = new float[layout.Count];

        var clock = Stopwatch.StartNew();
        var epochs = new List<GraphEpoch>();
        var best = (Epoch: 0, AveragePrecision: double.NegativeInfinity, Parameters: parameters.ToArray(), Scores: Array.Empty<float>());
        var stoppedBy = "epochs";
        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (options.TimeBudget is { } budget && epoch > 1 && clock.Elapsed > budget)
            {
                stoppedBy = "time budget";
                break;
            }
            var rows = EpochRows(frauds, negatives, rate, options.Seed, epoch);
            // The first epoch starts the output bias at the sample's log-odds.
            if (epoch == 1)
            {
                layout.OutputBias.Of(parameters.AsSpan())[0] = (float)Math.Log(frauds.Length / (rate * negatives.Length));
            }
            double epochLoss = 0;
            for (var start = 0; start < rows.Length; start += options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(options.BatchSize, rows.Length - start);
                var scale = 1f / count;
                var batchStart = start;
                Parallel.For(0, Chunks, parallel, c =>
                {
                    var gradient = gradients[c];
                    Array.Clear(gradient);
                    var ws = workspaces[c];
                    double loss = 0;
                    for (var i = batchStart + c * count / Chunks; i < batchStart + (c + 1) * count / Chunks; i++)
                    {
                        var row = rows[i];
                        builder.Fill(ws, row, epoch);
                        var logit = network.Forward(parameters, ws);
                        var (rowLoss, dLogit) = GraphSageNetwork<float>.CrossEntropy(logit, data.Labels[row] == 1);
                        loss += rowLoss;
                        network.Backward(parameters, ws, dLogit * scale, gradient);
                    }
                    losses[c] = loss;
                });
                Array.Clear(total);
                for (var c = 0; c < Chunks; c++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(total, gradients[c], total);
                    epochLoss += losses[c];
                }
                adam.Step(parameters, total);
            }

            var model = new GraphSageModel(shape, options.TimeRules, scalers, parameters.ToArray(), options.Seed, Math.Log(rate), data.FeatureNames);
            var scores = model.Score(graph, validationRows, options.Threads, cancellationToken);
            var ap = averagePrecision(scores, validationLabels);
            var isBest = ap > best.AveragePrecision;
            if (isBest)
            {
                best = (epoch, ap, model.Parameters, scores);
            }
            var record = new GraphEpoch(epoch, options.Epochs, rows.Length, epochLoss / rows.Length, ap, clock.Elapsed, isBest);
            epochs.Add(record);
            progress?.Report(record);
            if (epoch - best.Epoch >= options.Patience)
            {
                stoppedBy = "patience";
                break;
            }
        }
        var bestModel = new GraphSageModel(shape, options.TimeRules, scalers, best.Parameters, options.Seed, Math.Log(rate), data.FeatureNames);
        return new GraphSageTrainingResult(bestModel, epochs, best.Epoch, best.Scores, stoppedBy, rate);
    }

    /// <summary>Every fraud and a fresh seeded draw of negatives, shuffled (Fisher–Yates), for one epoch.</summary>
    internal static int[] EpochRows(int[] frauds, int[] negatives, double rate, int seed, int epoch)
    {
        var random = new SplitMix64(SplitMix64.Key(seed, epoch, 11));
        var rows = new List<int>((int)(frauds.Length + negatives.Length * rate * 1.1) + 16);
        rows.AddRange(frauds);
        foreach (var row in negatives)
        {
            if (rate >= 1 || random.NextDouble() < rate)
            {
                rows.Add(row);
            }
        }
        var array = rows.ToArray();
        for (var i = array.Length - 1; i > 0; i--)
        {
            var j = (int)random.NextBelow((ulong)i + 1);
            (array[i], array[j]) = (array[j], array[i]);
        }
        return array;
    }

    /// <summary>He-uniform weights (ReLU layers), zero biases, from the seed.</summary>
    public static float[] Initialize(ParameterLayout layout, int seed)
    {
        var parameters = new float[layout.Count];
        var random = new SplitMix64(SplitMix64.Key(seed, 3));
        foreach (var block in layout.Weights())
        {
            var limit = Math.Sqrt(6.0 / block.Columns);
            var weights = block.Of(parameters.AsSpan());
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)((2 * random.NextDouble() - 1) * limit);
            }
        }
        return parameters;
    }
}
