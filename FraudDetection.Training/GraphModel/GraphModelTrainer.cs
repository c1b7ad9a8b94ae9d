using System.Diagnostics;
using System.Globalization;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Explanation;
using FraudDetection.Training.Export;
using FraudDetection.Training.Graph.Data;
using FraudDetection.Training.Graph.Export;
using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.Graph.Training;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.GraphModel;

/// <summary>
/// <c>train --trainer graphsage</c>: the graph model trained on the same rows and time split as the tree models,
/// measured the same way (metrics.json, plots), saved as <c>graph-model.json</c> with its classifier head as
/// <c>model.onnx</c>. Scoring cannot serve it (it has no card–merchant graph to compute the embeddings from), so the
/// report marks it not servable and the promotion gate never makes it champion.
/// </summary>
public static class GraphModelTrainer
{
    public const string TrainerName = "graphsage";
    public const string ModelFileName = "graph-model.json";

    /// <summary>Why Scoring cannot serve a graph model, as the report and the gate say it.</summary>
    public const string NotServableReason =
        "graph model: its input joins card and merchant embeddings computed from the card-merchant graph, which Scoring does not hold (it scores one float input of the feature schema)";

    /// <summary>The features, time split and labels as the other trainers see them, plus each row's card–merchant edge.</summary>
    public static (GraphDataset Data, int Split, ReadReport Read) Load(TrainingRequest request, IProgress<TrainingProgress>? progress)
    {
        var read = new ReadReport();
        var data = TransactionSource.Replay(request.DataFiles, read, transactions => GraphDataset.Build(transactions,
            new OnlineFeatureState(request.FeatureOptions),
            n => progress?.Report(new TrainingProgress(ModelTrainer.Stage_Read, $"{n:N0} transactions featurized", n))));
        if (data.Rows == 0)
        {
            throw new InvalidDataException($"No usable transaction in {string.Join(", ", request.DataFiles)} ({read.BadRows} bad rows).");
        }
        var validFrom = request.ValidFrom ?? data.Times[^1].Date.AddDays(1) - request.ValidationWindow;
        var split = data.FirstRowAtOrAfter(validFrom);
        if (split == 0 || split == data.Rows)
        {
            throw new InvalidDataException($"Validation from {validFrom:yyyy-MM-dd} leaves no {(split == 0 ? "training" : "validation")} rows (data {data.Times[0]:yyyy-MM-dd} .. {data.Times[^1]:yyyy-MM-dd}).");
        }
        return (data, split, read);
    }

    /// <summary>The graph options of a request: its seed, threads and negatives, the feature pipeline's label delay.</summary>
    public static GraphSageOptions Options(TrainingRequest request) => (request.Graph ?? new GraphSageOptions()) with
    {
        Seed = request.Seed,
        Threads = request.Threads,
        NegativesPerFraud = request.NegativesPerFraud,
        TimeRules = (request.Graph?.TimeRules ?? new GraphTimeRules()) with { LabelDelay = request.FeatureOptions.LabelDelay },
    };

    public static TrainingResult Train(TrainingRequest request, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        var cpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
        var stageSeconds = new Dictionary<string, string>();
        var lap = TimeSpan.Zero;
        void Lap(string stage)
        {
            stageSeconds[$"seconds_{stage}"] = (clock.Elapsed - lap).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
            lap = clock.Elapsed;
        }
        Directory.CreateDirectory(request.OutputDirectory);

        var (data, split, read) = Load(request, progress);
        var trainRows = Enumerable.Range(0, split).ToArray();
        var validRows = Enumerable.Range(split, data.Rows - split).ToArray();
        var validLabels = validRows.Select(r => data.Labels[r] == 1).ToArray();
        if (!trainRows.Any(r => data.Labels[r] == 1) || !validLabels.Any(l => l))
        {
            throw new InvalidDataException($"The {(validLabels.Any(l => l) ? "training" : "validation")} window has no fraud label; give more data or another --valid-from.");
        }
        progress?.Report(new TrainingProgress(ModelTrainer.Stage_Read, $"{data.Rows:N0} rows, {data.CardCount:N0} cards, {data.MerchantCount:N0} merchants, {read.BadRows:N0} skipped", data.Rows, data.Rows));
        Lap("features");

        var options = Options(request);
        var graph = new TemporalGraph(data, options.TimeRules);
        var trained = GraphSageTrainer.Train(graph, trainRows, validRows, options,
            (scores, labels) => BinaryMetrics.AveragePrecision(scores, labels),
            new EpochProgress(progress), cancellationToken);
        var model = trained.Model;
        Lap("train");

        var scores = trained.ValidationScores;
        var times = validRows.Select(r => data.Times[r]).ToArray();
        var cards = validRows.Select(r => data.CardNumbers[r]).ToArray();
        var threshold = request.CostRatio is double ratio
            ? BinaryMetrics.CostThreshold(scores, validLabels, ratio)
            : BinaryMetrics.MaxF1Threshold(scores, validLabels);
        var metrics = BinaryMetrics.Evaluate(scores, validLabels, threshold, times, cards);
        Lap("evaluate");

        // Explanation: first-order attribution (|gradient × scaled input|) on a seeded validation sample; no SHAP.
        progress?.Report(new TrainingProgress(ModelTrainer.Stage_Explain, "gradient x input attribution on validation rows"));
        var sample = SampleRows(validRows, request.ShapRows, request.Seed);
        var attribution = model.Attribution(graph, sample);
        var importance = Importance(model, attribution);
        var plots = new List<string>();
        if (request.WritePlots)
        {
            string At(string file)
            {
                plots.Add(file);
                return Path.Combine(request.OutputDirectory, file);
            }
            ModelPlots.SaveConfusionMatrix(metrics.ConfusionMatrix, At(ModelPlots.ConfusionMatrix));
            ModelPlots.SaveCurve(BinaryMetrics.PrecisionRecallCurve(scores, validLabels), $"Precision-recall (validation), AP {metrics.AveragePrecision:F4}", "recall", "precision", At(ModelPlots.PrecisionRecall), diagonal: false);
            ModelPlots.SaveCurve(BinaryMetrics.RocCurve(scores, validLabels), $"ROC (validation), AUC {metrics.RocAuc:F4}", "false-positive rate", "true-positive rate", At(ModelPlots.Roc), diagonal: true);
            ModelPlots.SaveImportance(importance, "Attribution (mean |gradient x input|, share)", At(ModelPlots.FeatureImportance));
        }
        Lap("explain");

        progress?.Report(new TrainingProgress(ModelTrainer.Stage_Export, "graph model, ONNX classifier head and parity check"));
        var createdAt = DateTimeOffset.UtcNow;
        var version = request.ModelVersion ?? createdAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var trainWindow = $"{data.Times[0]:yyyy-MM-dd HH:mm:ss} .. {data.Times[split - 1]:yyyy-MM-dd HH:mm:ss}";
        var validWindow = $"{data.Times[split]:yyyy-MM-dd HH:mm:ss} .. {data.Times[^1]:yyyy-MM-dd HH:mm:ss}";
        var parameters = Parameters(request, options, trained, trainRows.Length, trainRows.Count(r => data.Labels[r] == 1), read);
        model.Save(Path.Combine(request.OutputDirectory, ModelFileName));
        var headNames = ClassifierHeadOnnx.InputNames(model);
        var headSchema = FeatureSchema.Create(headNames, FeatureSchema.SemanticVersion).Version;
        var card = new ModelCard(headSchema, headNames, threshold, version, TrainerName, new Dictionary<string, string>(parameters)
        {
            ["train_window"] = trainWindow,
            ["validation_window"] = validWindow,
            ["created_at"] = createdAt.ToString("O", CultureInfo.InvariantCulture),
        });
        var onnxPath = Path.Combine(request.OutputDirectory, ModelRegistryNames.OnnxFileName);
        var parity = ExportHead(model, graph, card, onnxPath, SampleRows(validRows, 2000, request.Seed));
        parameters["onnx_parity_max_abs_diff"] = parity.MaxAbsDifference.ToString("G3", CultureInfo.InvariantCulture);
        Lap("export");
        foreach (var (key, value) in stageSeconds)
        {
            parameters[key] = value;
        }
        parameters["train_seconds"] = clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        parameters["cpu_seconds"] = (Process.GetCurrentProcess().TotalProcessorTime - cpuAtStart).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        parameters["peak_memory_mb"] = (Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)).ToString(CultureInfo.InvariantCulture);

        var report = new ModelReport
        {
            ModelVersion = version,
            Trainer = TrainerName,
            CreatedAt = createdAt,
            FeatureSchemaVersion = FeatureSchema.Current.Version,
            FeatureNames = [.. data.FeatureNames],
            Threshold = threshold,
            TrainWindow = trainWindow,
            ValidationWindow = validWindow,
            Params = parameters,
            Validation = metrics,
            ValidationCurve = [.. trained.Epochs.Select(e => Math.Round(e.ValidationAveragePrecision, 6))],
            FeatureImportance = importance,
            ShapMeanAbs = [],
            Plots = plots,
        };
        ModelTrainer.WriteReport(report, Path.Combine(request.OutputDirectory, ModelRegistryNames.MetricsFileName));
        return new TrainingResult(request.OutputDirectory, onnxPath, report, parity, clock.Elapsed);
    }

    private static Dictionary<string, string> Parameters(TrainingRequest request, GraphSageOptions options, GraphSageTrainingResult trained, int trainRows, int trainFrauds, ReadReport read)
    {
        string I(double value) => value.ToString(CultureInfo.InvariantCulture);
        var shape = trained.Model.Shape;
        var parameters = new Dictionary<string, string>
        {
            [ModelServing.ServableParam] = "false",
            [ModelServing.NotServableReasonParam] = NotServableReason,
            ["architecture"] = $"GraphSAGE mean aggregator, 2 layers ({shape.Hidden1}, {shape.Hidden2}) per node type, classifier {shape.ClassifierInput}-{shape.ClassifierHidden}-1",
            ["parameters"] = I(trained.Model.Layout.Count),
            ["fanout_1"] = I(shape.Fanout1),
            ["fanout_2"] = I(shape.Fanout2),
            ["snapshot_interval_hours"] = I(options.TimeRules.SnapshotInterval.TotalHours),
            ["lookback_days"] = I(options.TimeRules.Lookback.TotalDays),
            ["label_delay_days"] = I(options.TimeRules.LabelDelay.TotalDays),
            ["epochs_run"] = I(trained.Epochs.Count),
            ["epochs_max"] = I(options.Epochs),
            ["best_epoch"] = I(trained.BestEpoch),
            ["stopped_by"] = trained.StoppedBy,
            ["batch_size"] = I(options.BatchSize),
            ["learning_rate"] = I(options.LearningRate),
            ["threads"] = I(options.Threads > 0 ? options.Threads : Environment.ProcessorCount),
            ["seed"] = I(request.Seed),
            ["negatives_per_fraud"] = I(request.NegativesPerFraud),
            ["negative_sampling_rate"] = trained.NegativeSamplingRate.ToString("G6", CultureInfo.InvariantCulture),
            ["prior_correction"] = trained.Model.PriorCorrection.ToString("G6", CultureInfo.InvariantCulture),
            ["threshold_rule"] = request.CostRatio is double r ? $"min cost (fn = {I(r)} x fp)" : "max F1 on validation",
            ["train_rows"] = I(trainRows),
            ["train_frauds"] = I(trainFrauds),
            ["skipped_rows"] = I(read.BadRows),
            ["card_idle_reset_days"] = I(request.FeatureOptions.CardIdleReset.TotalDays),
            ["data_files"] = string.Join(";", request.DataFiles.Select(Path.GetFileName)),
            ["explanation"] = "mean |gradient x scaled input| on validation rows (first order; no SHAP for this model)",
        };
        foreach (var epoch in trained.Epochs)
        {
            parameters[$"seconds_at_epoch_{epoch.Epoch}"] = epoch.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        }
        return parameters;
    }

    /// <summary>Shares of the attribution: each transaction feature, and each embedding as one entry.</summary>
    private static NamedValue[] Importance(GraphSageModel model, double[] attribution)
    {
        var f = model.Shape.TransactionFeatures;
        var e = model.Shape.Embedding;
        var values = model.TransactionFeatureNames.Select((n, i) => new NamedValue(n, attribution[i]))
            .Append(new NamedValue("card_embedding", attribution.Skip(f).Take(e).Sum()))
            .Append(new NamedValue("merchant_embedding", attribution.Skip(f + e).Take(e).Sum()))
            .ToArray();
        var total = Math.Max(1e-12, values.Sum(v => v.Value));
        return [.. values.Select(v => v with { Value = v.Value / total }).OrderByDescending(v => v.Value)];
    }

    /// <summary>Writes the classifier head and checks ONNX Runtime against the C# model on <paramref name="rows"/>.</summary>
    private static ParityReport ExportHead(GraphSageModel model, TemporalGraph graph, ModelCard card, string onnxPath, IReadOnlyList<int> rows)
    {
        const double tolerance = 1e-5;
        var temporary = onnxPath + ".tmp";
        try
        {
            using (var file = File.Create(temporary))
            {
                Google.Protobuf.MessageExtensions.WriteTo(ClassifierHeadOnnx.ToModel(model, OnnxExporter.Metadata(card)), file);
            }
            var embeddings = model.Embed(graph, rows);
            var expected = model.Score(graph, rows, embeddings);
            var onnx = new float[rows.Count];
            using (var loaded = FraudModel.Load(temporary, card.SchemaVersion, card.FeatureNames))
            {
                loaded.Predict(embeddings.JoinWith(graph.Data, rows), rows.Count, onnx);
            }
            var maxDiff = rows.Count == 0 ? 0 : Enumerable.Range(0, rows.Count).Max(i => Math.Abs((double)expected[i] - onnx[i]));
            if (!(maxDiff <= tolerance))
            {
                throw new OnnxParityException($"ONNX Runtime and the graph model's classifier differ by up to {maxDiff:G3} on {rows.Count} validation rows (tolerance {tolerance:G1}); model not exported.");
            }
            File.Move(temporary, onnxPath, overwrite: true);
            return new ParityReport(rows.Count, maxDiff, tolerance);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Up to <paramref name="count"/> of <paramref name="rows"/>, seeded, in their order.</summary>
    internal static int[] SampleRows(int[] rows, int count, int seed)
    {
        if (rows.Length <= count)
        {
            return rows;
        }
        var random = new Random(seed);
        var picked = rows.ToArray();
        random.Shuffle(picked);
        var sample = picked.AsSpan(0, count).ToArray();
        Array.Sort(sample);
        return sample;
    }

    /// <summary>Each finished epoch as a training step: validation AP after it (no thread hop).</summary>
    private sealed class EpochProgress(IProgress<TrainingProgress>? progress) : IProgress<GraphEpoch>
    {
        public void Report(GraphEpoch e) => progress?.Report(new TrainingProgress(ModelTrainer.Stage_Train,
            string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch}/{e.Epochs}: {e.TrainRows:N0} rows, loss {e.Loss:F4}, validation AP {e.ValidationAveragePrecision:F4}{(e.Best ? " (best)" : "")}, {e.Elapsed.TotalSeconds:F0} s"),
            e.Epoch, e.Epochs));
    }
}
