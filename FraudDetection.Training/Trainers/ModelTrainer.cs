using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Explanation;
using FraudDetection.Training.Export;
using FraudDetection.Core.Transactions.Mapping;

namespace FraudDetection.Training.Trainers;

/// <summary>
/// One training run, end to end: replay the CSVs through the online feature pipeline, split by time, down-sample
/// negatives, tune on the validation window, pick the threshold there, evaluate, explain, plot, export ONNX
/// (parity-checked) and write metrics.json. The model is trained on the training window only (no refit).
/// </summary>
public static class ModelTrainer
{
    public const string Stage_Read = "read";
    public const string Stage_Train = "train";
    public const string Stage_Explain = "explain";
    public const string Stage_Export = "export";

    public static Task<TrainingResult> TrainAsync(TrainingRequest request, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Train(request, progress, cancellationToken), cancellationToken);

    public static TrainingResult Train(TrainingRequest request, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (request.DataFiles.Count == 0)
        {
            throw new ArgumentException("No data file given.");
        }
        if (request.Trainer == TrainerKind.GraphSage)
        {
            return GraphModel.GraphModelTrainer.Train(request, progress, cancellationToken);
        }
        var clock = Stopwatch.StartNew();
        var stageSeconds = new Dictionary<string, string>();
        var lap = TimeSpan.Zero;
        void Lap(string stage)
        {
            stageSeconds[$"seconds_{stage}"] = (clock.Elapsed - lap).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
            lap = clock.Elapsed;
        }
        Directory.CreateDirectory(request.OutputDirectory);

        // 1. Features: the same OnlineFeatureState Scoring runs, replayed in event-time order.
        // Features whose inputs the file's layout lacks are left out (they would be -1 on every row).
        var features = new FeatureSelection(request.Features.Inputs & (request.Mapping ?? ColumnMapping.Kaggle).Inputs, request.Features.Groups);
        var read = new ReadReport();
        var matrix = TransactionSource.Replay(request.DataFiles, read, transactions =>
            FeatureMatrix.Build(transactions, new OnlineFeatureState(request.FeatureOptions, features),
                progress: n => progress?.Report(new TrainingProgress(Stage_Read, $"{n:N0} transactions featurized", n))), request.Mapping);
        cancellationToken.ThrowIfCancellationRequested();
        // Verdicts received on fraud.labels replace the file's targets. Targets only: the features (the card's known
        // frauds after the label delay among them) were built from the file, as Scoring builds them, and stay so.
        var labelParams = request.ReceivedLabels is { } received
            ? received.Params(received.ApplyTo(matrix.Labels, matrix.TransactionIds, matrix.Rows))
            : null;
        var all = TrainingSet.From(matrix);
        if (all.Rows == 0)
        {
            throw new InvalidDataException($"No usable transaction in {string.Join(", ", request.DataFiles)} ({read.BadRows} bad rows).");
        }
        progress?.Report(new TrainingProgress(Stage_Read, $"{all.Rows:N0} rows, {all.Frauds:N0} frauds, {read.BadRows:N0} skipped", all.Rows, all.Rows));
        Lap("features");

        // 2. Time-based split.
        var validFrom = request.ValidFrom ?? all.Times[all.Rows - 1].Date.AddDays(1) - request.ValidationWindow;
        var split = all.FirstRowAtOrAfter(validFrom);
        if (split == 0 || split == all.Rows)
        {
            throw new InvalidDataException($"Validation from {validFrom:yyyy-MM-dd} leaves no {(split == 0 ? "training" : "validation")} rows (data {all.Times[0]:yyyy-MM-dd} .. {all.Times[all.Rows - 1]:yyyy-MM-dd}).");
        }
        var trainAll = all.Slice(0, split);
        var valid = all.Slice(split, all.Rows - split);
        if (trainAll.Frauds == 0 || valid.Frauds == 0)
        {
            throw new InvalidDataException($"The {(trainAll.Frauds == 0 ? "training" : "validation")} window has no fraud label; give more data or another --valid-from.");
        }

        // 3. Imbalance: keep every fraud and a seeded sample of the rest; the link gets ln(rate) back.
        var (train, negativeRate) = DownSample(trainAll, request.NegativesPerFraud, request.Seed);
        var priorCorrection = Math.Log(negativeRate);

        // 4. Tuning: the default parameters, then random draws, each scored by AP on the validation window.
        var random = new Random(request.Seed);
        var candidates = new List<HyperParameters> { request.Parameters };
        for (var i = 0; i < request.TuneTrials; i++)
        {
            candidates.Add(HyperParameters.Sample(random));
        }
        ITrainedModel? best = null;
        var bestAp = double.NegativeInfinity;
        var tuneClock = Stopwatch.StartNew();
        var trialsRun = 0;
        foreach (var candidate in candidates)
        {
            if (trialsRun > 0 && tuneClock.Elapsed > request.TuneBudget)
            {
                break;
            }
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new TrainingProgress(Stage_Train, $"trial {trialsRun + 1}/{candidates.Count}: {Describe(candidate)}", trialsRun, candidates.Count));
            ITrainedModel trained = request.Trainer == TrainerKind.Logistic
                ? LinearTrainer.Train(train, candidate, request.Seed, priorCorrection, request.Threads)
                : EnsembleTrainer.Train(request.Trainer, train, candidate, request.Seed, priorCorrection, request.Threads);
            var ap = BinaryMetrics.AveragePrecision(Score(trained, valid), valid.Labels);
            trialsRun++;
            progress?.Report(new TrainingProgress(Stage_Train, $"trial {trialsRun}: validation AP {ap:F4}", trialsRun, candidates.Count));
            if (ap > bestAp)
            {
                bestAp = ap;
                best = trained;
            }
        }
        var model = best!;
        Lap("train");

        // 5. Threshold and evaluation on the validation window (natural fraud rate).
        var scores = Score(model, valid);
        var threshold = request.CostRatio is double ratio
            ? BinaryMetrics.CostThreshold(scores, valid.Labels, ratio)
            : BinaryMetrics.MaxF1Threshold(scores, valid.Labels);
        var metrics = BinaryMetrics.Evaluate(scores, valid.Labels, threshold, valid.Times, valid.Cards);
        var curve = model.ValidationCurve(valid);
        Lap("evaluate");

        // 6. Explanation: gain importance and TreeSHAP on a validation sample.
        progress?.Report(new TrainingProgress(Stage_Explain, "TreeSHAP on validation rows"));
        var names = matrix.Schema.Names;
        var shap = ShapSummary.Compute(model, valid, request.ShapRows, request.Seed);
        var meanAbs = shap.MeanAbs();
        var totalGain = Math.Max(1e-12, model.ImportanceByFeature.Sum());
        var importance = names.Select((n, i) => new NamedValue(n, model.ImportanceByFeature[i] / totalGain)).OrderByDescending(v => v.Value).ToArray();
        var shapMeanAbs = names.Select((n, i) => new NamedValue(n, meanAbs[i])).OrderByDescending(v => v.Value).ToArray();

        var plots = new List<string>();
        if (request.WritePlots)
        {
            string At(string file)
            {
                plots.Add(file);
                return Path.Combine(request.OutputDirectory, file);
            }
            ModelPlots.SaveConfusionMatrix(metrics.ConfusionMatrix, At(ModelPlots.ConfusionMatrix));
            ModelPlots.SaveCurve(BinaryMetrics.PrecisionRecallCurve(scores, valid.Labels), $"Precision-recall (validation), AP {metrics.AveragePrecision:F4}", "recall", "precision", At(ModelPlots.PrecisionRecall), diagonal: false);
            ModelPlots.SaveCurve(BinaryMetrics.RocCurve(scores, valid.Labels), $"ROC (validation), AUC {metrics.RocAuc:F4}", "false-positive rate", "true-positive rate", At(ModelPlots.Roc), diagonal: true);
            ModelPlots.SaveShapSummary(shap, names, At(ModelPlots.ShapSummaryFile));
            ModelPlots.SaveImportance(importance, request.Trainer == TrainerKind.Logistic
                ? "Importance (|standardized weight|, share)" : "Gain importance (share of total split gain)", At(ModelPlots.FeatureImportance));
        }

        Lap("explain");

        // 7. Export with the parity check, then metrics.json.
        progress?.Report(new TrainingProgress(Stage_Export, "ONNX export and parity check"));
        var createdAt = DateTimeOffset.UtcNow;
        var version = request.ModelVersion ?? createdAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var trainer = request.Trainer.ToString().ToLowerInvariant();
        var trainWindow = $"{trainAll.Times[0]:yyyy-MM-dd HH:mm:ss} .. {trainAll.Times[^1]:yyyy-MM-dd HH:mm:ss}";
        var validWindow = $"{valid.Times[0]:yyyy-MM-dd HH:mm:ss} .. {valid.Times[^1]:yyyy-MM-dd HH:mm:ss}";
        var parameters = new Dictionary<string, string>(model.ParameterValues)
        {
            ["seed"] = request.Seed.ToString(CultureInfo.InvariantCulture),
            ["negatives_per_fraud"] = request.NegativesPerFraud.ToString(CultureInfo.InvariantCulture),
            ["negative_sampling_rate"] = negativeRate.ToString("G6", CultureInfo.InvariantCulture),
            ["prior_correction"] = priorCorrection.ToString("G6", CultureInfo.InvariantCulture),
            ["threshold_rule"] = request.CostRatio is double r ? $"min cost (fn = {r.ToString(CultureInfo.InvariantCulture)} x fp)" : "max F1 on validation",
            ["tune_trials_run"] = trialsRun.ToString(CultureInfo.InvariantCulture),
            ["refit_on_all"] = "false",
            ["train_rows"] = trainAll.Rows.ToString(CultureInfo.InvariantCulture),
            ["train_rows_sampled"] = train.Rows.ToString(CultureInfo.InvariantCulture),
            ["train_frauds"] = trainAll.Frauds.ToString(CultureInfo.InvariantCulture),
            ["skipped_rows"] = read.BadRows.ToString(CultureInfo.InvariantCulture),
            ["label_delay_days"] = request.FeatureOptions.LabelDelay.TotalDays.ToString(CultureInfo.InvariantCulture),
            ["card_idle_reset_days"] = request.FeatureOptions.CardIdleReset.TotalDays.ToString(CultureInfo.InvariantCulture),
            ["merchant_day_lag"] = request.FeatureOptions.MerchantDayLag.ToString(CultureInfo.InvariantCulture),
            ["feature_groups"] = string.Join(",", FeatureGroups.All.Select(g => g.Name).Where(features.IncludesGroup)),
            ["feature_inputs"] = TransactionInputNames.Format(features.Inputs),
            ["data_files"] = string.Join(";", request.DataFiles.Select(Path.GetFileName)),
            ["column_mapping"] = (request.Mapping ?? ColumnMapping.Kaggle).ToString(),
        };
        var card = new ModelCard(matrix.Schema.Version, names, threshold, version, trainer, new Dictionary<string, string>(parameters)
        {
            ["train_window"] = trainWindow,
            ["validation_window"] = validWindow,
            ["created_at"] = createdAt.ToString("O", CultureInfo.InvariantCulture),
        });
        var onnxPath = Path.Combine(request.OutputDirectory, ModelRegistryNames.OnnxFileName);
        var parity = OnnxExporter.Export(model, card, onnxPath, valid);
        parameters["onnx_parity_max_abs_diff"] = parity.MaxAbsDifference.ToString("G3", CultureInfo.InvariantCulture);
        // Scoring compares live traffic with the validation window's distributions (drift-reference.json).
        DriftReferenceExport.Write(request.OutputDirectory, version, valid, scores, names, importance, threshold);
        Lap("export");
        foreach (var (key, value) in stageSeconds)
        {
            parameters[key] = value;
        }
        foreach (var (key, value) in labelParams ?? new Dictionary<string, string>())
        {
            parameters[key] = value;
        }
        parameters["train_seconds"] = clock.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);

        var report = new ModelReport
        {
            ModelVersion = version,
            Trainer = trainer,
            CreatedAt = createdAt,
            FeatureSchemaVersion = matrix.Schema.Version,
            FeatureNames = [.. names],
            Threshold = threshold,
            TrainWindow = trainWindow,
            ValidationWindow = validWindow,
            Params = parameters,
            Validation = metrics,
            ValidationCurve = curve,
            FeatureImportance = importance,
            ShapMeanAbs = shapMeanAbs,
            Plots = plots,
        };
        WriteReport(report, Path.Combine(request.OutputDirectory, ModelRegistryNames.MetricsFileName));
        return new TrainingResult(request.OutputDirectory, onnxPath, report, parity, clock.Elapsed);
    }

    public static void WriteReport(ModelReport report, string path)
    {
        using var file = File.Create(path);
        JsonSerializer.Serialize(file, report, ModelReportJsonContext.Default.ModelReport);
    }

    /// <summary>The model's probabilities for every row (parallel over rows).</summary>
    public static float[] Score(ITrainedModel model, TrainingSet data)
    {
        var scores = new float[data.Rows];
        Parallel.For(0, data.Rows, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
            i => scores[i] = (float)model.Probability(data.Row(i)));
        return scores;
    }

    /// <summary>Validation AP after every tenth tree (and the last): the learning curve logged as MLflow step metrics.</summary>
    public static IReadOnlyList<double> ValidationCurve(TreeEnsemble ensemble, TrainingSet valid)
    {
        var raw = new double[valid.Rows];
        Array.Fill(raw, ensemble.Bias);
        var scores = new float[valid.Rows];
        var curve = new List<double>();
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var tree = ensemble.Trees[t];
            for (var i = 0; i < valid.Rows; i++)
            {
                raw[i] += tree.Evaluate(valid.Row(i));
            }
            if ((t + 1) % 10 == 0 || t == ensemble.Trees.Count - 1)
            {
                for (var i = 0; i < valid.Rows; i++)
                {
                    scores[i] = (float)LogisticLink.Sigmoid(ensemble.Link.Margin(raw[i]));
                }
                curve.Add(Math.Round(BinaryMetrics.AveragePrecision(scores, valid.Labels), 6));
            }
        }
        return curve;
    }

    public static (TrainingSet Train, double Rate) DownSample(TrainingSet data, double negativesPerFraud, int seed)
    {
        var (keep, rate) = DownSampleRows(data.Labels, negativesPerFraud, seed);
        return (keep is null ? data : data.Select(keep), rate);
    }

    /// <summary>Every fraud and a seeded share of the rest (null: keep all), and that share.</summary>
    internal static (List<int>? Keep, double Rate) DownSampleRows(IReadOnlyList<bool> labels, double negativesPerFraud, int seed)
    {
        var frauds = labels.Count(l => l);
        var negatives = labels.Count - frauds;
        if (negativesPerFraud <= 0 || negatives <= negativesPerFraud * frauds)
        {
            return (null, 1.0);
        }
        var rate = negativesPerFraud * frauds / negatives;
        var random = new Random(seed);
        var keep = new List<int>((int)(frauds + negativesPerFraud * frauds * 1.1));
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] || random.NextDouble() < rate)
            {
                keep.Add(i);
            }
        }
        return (keep, rate);
    }

    private static string Describe(HyperParameters p) =>
        $"{p.Trees} trees, {p.Leaves} leaves, lr {p.LearningRate:G3}, min leaf {p.MinDataInLeaf}, ff {p.FeatureFraction:F2}, bag {p.BaggingFraction:F2}, l2 {p.L2:G3}";
}
