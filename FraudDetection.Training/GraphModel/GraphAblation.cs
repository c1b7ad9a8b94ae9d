using System.Diagnostics;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.Graph.Training;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.GraphModel;

/// <summary>What the ablation compares on: the training files, the later test files, and the settings every model shares.</summary>
public sealed record GraphAblationRequest(IReadOnlyList<string> TrainFiles, IReadOnlyList<string> TestFiles)
{
    public int Seed { get; init; } = 42;
    public double NegativesPerFraud { get; init; } = 15;
    public TimeSpan ValidationWindow { get; init; } = TimeSpan.FromDays(28);
    public FeatureOptions FeatureOptions { get; init; } = FeatureOptions.Default;
    public GraphSageOptions Graph { get; init; } = new();
    /// <summary>Threads of the graph model; LightGBM keeps one (as <c>train</c>'s default).</summary>
    public int Threads { get; init; }
}

/// <summary>One model of the ablation: its figures on the validation window (where its threshold is picked) and on the test period.</summary>
public sealed record GraphAblationRow(string Model, string Inputs, EvaluationMetrics Validation, EvaluationMetrics Test, double Seconds, double CpuSeconds);

/// <summary>
/// The honest comparison: on the same rows and time split (training window, its last weeks for validation and the
/// threshold, then the later test files), LightGBM on the card features; the graph model alone; LightGBM with the
/// graph model's card and merchant embeddings (refreshed per snapshot, point-in-time) as extra inputs; and, as a
/// control, LightGBM with the graph's raw node statistics (the card's and merchant's own edge counts, amounts and
/// known-fraud rates, no learning) — whatever the embeddings add beyond that is the graph model's own.
/// </summary>
public static class GraphAblation
{
    public const string LightGbm = "LightGBM";
    public const string GraphAlone = "GraphSAGE alone";
    public const string LightGbmEmbeddings = "LightGBM + graph embeddings";
    public const string LightGbmNodeStatistics = "LightGBM + node statistics";

    public static IReadOnlyList<GraphAblationRow> Run(GraphAblationRequest request, Action<string> log, CancellationToken cancellationToken = default)
    {
        var testFrom = request.TestFiles.Select(f => TransactionCsv.ReadFile(f).First().TransDateTransTime).Min();
        var read = new ReadReport();
        var data = TransactionSource.Replay([.. request.TrainFiles, .. request.TestFiles], read, transactions => GraphDataset.Build(transactions,
            new OnlineFeatureState(request.FeatureOptions), n => { if (n % 500_000 == 0) log($"featurized {n:N0} transactions"); }));
        var testStart = data.FirstRowAtOrAfter(testFrom);
        var validStart = data.FirstRowAtOrAfter(data.Times[testStart - 1].Date.AddDays(1) - request.ValidationWindow);
        if (validStart == 0 || testStart == data.Rows)
        {
            throw new InvalidDataException("The files leave no training, validation or test rows.");
        }
        var train = Enumerable.Range(0, validStart).ToArray();
        var valid = Enumerable.Range(validStart, testStart - validStart).ToArray();
        var test = Enumerable.Range(testStart, data.Rows - testStart).ToArray();
        log($"{data.Rows:N0} rows ({read.BadRows:N0} skipped), {data.CardCount:N0} cards, {data.MerchantCount:N0} merchants; train {train.Length:N0}, validation {valid.Length:N0} from {data.Times[validStart]:yyyy-MM-dd}, test {test.Length:N0} from {data.Times[testStart]:yyyy-MM-dd}");

        var labels = data.Labels.Select(l => l == 1).ToArray();
        var (keep, rate) = ModelTrainer.DownSampleRows(labels[..validStart], request.NegativesPerFraud, request.Seed);
        var sampled = keep?.ToArray() ?? train;
        var rows = new List<GraphAblationRow>();

        // 1. LightGBM on the card features alone.
        rows.Add(Measure(LightGbm, $"{data.FeatureCount} features", data, valid, test, () =>
            LightGbmScores(data, sampled, valid, test, rate, request.Seed, data.FeatureCount, (_, _, _) => { })));
        log(Line(rows[^1]));

        // 2. The graph model alone (it draws its own negatives per epoch at the same ratio).
        var graphOptions = request.Graph with { Seed = request.Seed, Threads = request.Threads, NegativesPerFraud = request.NegativesPerFraud,
            TimeRules = request.Graph.TimeRules with { LabelDelay = request.FeatureOptions.LabelDelay } };
        var graph = new TemporalGraph(data, graphOptions.TimeRules);
        GraphSageModel? model = null;
        rows.Add(Measure(GraphAlone, $"{data.FeatureCount} features + graph", data, valid, test, () =>
        {
            var trained = GraphSageTrainer.Train(graph, train, valid, graphOptions, (s, l) => BinaryMetrics.AveragePrecision(s, l),
                new Progress(log), cancellationToken);
            model = trained.Model;
            return (trained.ValidationScores, model.Score(graph, test, request.Threads, cancellationToken));
        }));
        log(Line(rows[^1]));

        // 3. LightGBM with the embeddings of each row's card and merchant at its snapshot.
        var width = model!.Shape.Embedding;
        var embeddings = new Dictionary<int[], RowEmbeddings>(ReferenceEqualityComparer.Instance);
        rows.Add(Measure(LightGbmEmbeddings, $"{data.FeatureCount} features + {2 * width} embedding dimensions", data, valid, test, () =>
        {
            foreach (var set in new[] { sampled, valid, test })
            {
                embeddings[set] = model.Embed(graph, set, request.Threads, cancellationToken);
            }
            return LightGbmScores(data, sampled, valid, test, rate, request.Seed, data.FeatureCount + 2 * width, (set, i, destination) =>
            {
                var e = embeddings[set];
                e.Card(i).CopyTo(destination);
                e.Merchant(i).CopyTo(destination[width..]);
            });
        }));
        log(Line(rows[^1]));
        embeddings.Clear();

        // 4. Control: LightGBM with the raw node statistics the graph model starts from.
        var nodeWidth = GraphFeatures.NodeCount;
        rows.Add(Measure(LightGbmNodeStatistics, $"{data.FeatureCount} features + {2 * nodeWidth} node statistics", data, valid, test, () =>
            LightGbmScores(data, sampled, valid, test, rate, request.Seed, data.FeatureCount + 2 * nodeWidth, (set, i, destination) =>
            {
                var row = set[i];
                var snapshot = graph.SnapshotOf(row);
                graph.NodeFeatures(NodeType.Card, data.Cards[row], snapshot, destination[..nodeWidth]);
                graph.NodeFeatures(NodeType.Merchant, data.Merchants[row], snapshot, destination[nodeWidth..]);
            })));
        log(Line(rows[^1]));
        return rows;
    }

    public static string Line(GraphAblationRow r) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{r.Model}: validation AP {r.Validation.AveragePrecision:F4}; test AP {r.Test.AveragePrecision:F4}, ROC-AUC {r.Test.RocAuc:F4}, F1 {r.Test.F1:F4} (P {r.Test.Precision:F4}, R {r.Test.Recall:F4}), CP@100 {r.Test.CardPrecisionAt100PerDay:F4}, 1:1 F1 {r.Test.Balanced1To1?.F1:F4}; {r.Seconds:F0} s wall, {r.CpuSeconds:F0} s CPU");

    /// <summary>Writes the extra columns of row <paramref name="index"/> of <paramref name="set"/>.</summary>
    private delegate void ExtraColumns(int[] set, int index, Span<float> destination);

    /// <summary>LightGBM (train's default parameters, one thread) on the features of each row and its extra columns.</summary>
    private static (float[] Valid, float[] Test) LightGbmScores(GraphDataset data, int[] train, int[] valid, int[] test, double rate, int seed, int width, ExtraColumns extra)
    {
        TrainingSet Set(int[] rows)
        {
            var values = new float[(long)rows.Length * width];
            for (var i = 0; i < rows.Length; i++)
            {
                var target = values.AsSpan(i * width, width);
                data.FeatureRow(rows[i]).CopyTo(target);
                extra(rows, i, target[data.FeatureCount..]);
            }
            return new TrainingSet(width, values, [.. rows.Select(r => data.Labels[r] == 1)], [.. rows.Select(r => data.Times[r])],
                [.. rows.Select(r => data.CardNumbers[r])], [.. rows.Select(r => r.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        }
        var model = EnsembleTrainer.Train(TrainerKind.LightGbm, Set(train), new HyperParameters(), seed, Math.Log(rate), threads: 1);
        return (ModelTrainer.Score(model, Set(valid)), ModelTrainer.Score(model, Set(test)));
    }

    private static GraphAblationRow Measure(string name, string inputs, GraphDataset data, int[] valid, int[] test, Func<(float[] Valid, float[] Test)> run)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (validScores, testScores) = run();
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var validLabels = valid.Select(r => data.Labels[r] == 1).ToArray();
        var testLabels = test.Select(r => data.Labels[r] == 1).ToArray();
        var threshold = BinaryMetrics.MaxF1Threshold(validScores, validLabels);
        return new GraphAblationRow(name, inputs,
            BinaryMetrics.Evaluate(validScores, validLabels, threshold, [.. valid.Select(r => data.Times[r])], [.. valid.Select(r => data.CardNumbers[r])]),
            BinaryMetrics.Evaluate(testScores, testLabels, threshold, [.. test.Select(r => data.Times[r])], [.. test.Select(r => data.CardNumbers[r])]),
            seconds, cpuSeconds);
    }

    private sealed class Progress(Action<string> log) : IProgress<GraphEpoch>
    {
        public void Report(GraphEpoch e) => log(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  graph epoch {e.Epoch}/{e.Epochs}: loss {e.Loss:F4}, validation AP {e.ValidationAveragePrecision:F4}{(e.Best ? " (best)" : "")}, {e.Elapsed.TotalSeconds:F0} s"));
    }
}
