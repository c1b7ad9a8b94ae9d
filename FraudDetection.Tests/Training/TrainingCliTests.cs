using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Training.Backtest;
using FraudDetection.Training.Cli;
using FraudDetection.Training.Explanation;
using FraudDetection.Training.Export;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

[Trait("Category", "Integration")]
public sealed class TrainingCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("training-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Train_then_backtest_on_kaggle_slices_end_to_end()
    {
        var train = RepoPaths.KaggleSlice("fraudTrain.head.csv");
        var test = RepoPaths.KaggleSlice("fraudTest.head.csv");
        var modelDir = Path.Combine(_dir, "model");

        var trainExit = await TrainingCli.RunAsync(["train", "--data", train, "--valid-from", "2019-01-03", "--out", modelDir,
            "--trees", "30", "--negatives-per-fraud", "0", "--tune", "1", "--tune-seconds", "60", "--model-version", "slice-1"]);

        trainExit.Should().Be(0);
        File.Exists(Path.Combine(modelDir, ModelRegistryNames.OnnxFileName)).Should().BeTrue();
        var report = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(modelDir, ModelRegistryNames.MetricsFileName)), ModelReportJsonContext.Default.ModelReport)!;
        report.ModelVersion.Should().Be("slice-1");
        report.Trainer.Should().Be("lightgbm");
        report.FeatureSchemaVersion.Should().Be(FeatureSchema.Current.Version);
        report.FeatureNames.Should().Equal(FeatureSchema.Current.Names);
        report.Validation.Rows.Should().Be(1236 + 271, "2019-01-03 and 2019-01-04 are the validation days");
        report.Validation.Frauds.Should().Be(15);
        report.Validation.RocAuc.Should().BeInRange(0.5, 1.0);
        report.Validation.AveragePrecision.Should().BeInRange(0.0, 1.0);
        var c = report.Validation.ConfusionMatrix;
        (c.TruePositives + c.FalsePositives + c.TrueNegatives + c.FalseNegatives).Should().Be(report.Validation.Rows);
        report.Validation.Balanced1To1.Should().NotBeNull();
        report.Validation.CardPrecisionAt100PerDay.Should().NotBeNull();
        report.ValidationCurve.Should().NotBeEmpty();
        report.FeatureImportance.Should().HaveCount(FeatureSchema.Current.Count);
        report.ShapMeanAbs.Should().HaveCount(FeatureSchema.Current.Count);
        report.ShapMeanAbs[0].Value.Should().BeGreaterThan(0);
        report.Params["tune_trials_run"].Should().Be("2");
        report.Plots.Should().BeEquivalentTo(ModelPlots.ConfusionMatrix, ModelPlots.PrecisionRecall, ModelPlots.Roc, ModelPlots.ShapSummaryFile, ModelPlots.FeatureImportance);
        foreach (var plot in report.Plots)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(modelDir, plot));
            bytes.Take(4).Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
        }

        using (var model = FraudModel.Load(Path.Combine(modelDir, ModelRegistryNames.OnnxFileName), FeatureSchema.Current))
        {
            model.Version.Should().Be("slice-1");
            model.Threshold.Should().Be(report.Threshold);
            model.CanExplain.Should().BeTrue();
        }

        var scoresCsv = Path.Combine(_dir, "scores.csv");
        var backtestExit = await TrainingCli.RunAsync(["backtest", "--model", modelDir, "--history", train, "--input", test, "--out", scoresCsv]);

        backtestExit.Should().Be(0);
        var lines = await File.ReadAllLinesAsync(scoresCsv);
        lines[0].Should().Be("trans_num,score,is_fraud");
        var expected = TransactionCsv.ReadFile(test).ToList();
        lines.Should().HaveCount(expected.Count + 1, "one row per input transaction");
        for (var i = 0; i < expected.Count; i++)
        {
            var parts = lines[i + 1].Split(',');
            parts[0].Should().Be(expected[i].TransNum);
            float.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture).Should().BeInRange(0f, 1f);
            parts[2].Should().Be(expected[i].IsFraud!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Train_with_a_missing_file_fails_with_a_clear_exit_code()
    {
        var exit = await TrainingCli.RunAsync(["train", "--data", Path.Combine(_dir, "missing.csv"), "--out", Path.Combine(_dir, "m")]);
        exit.Should().NotBe(0);
        File.Exists(Path.Combine(_dir, "m", ModelRegistryNames.OnnxFileName)).Should().BeFalse();
    }

    [Fact]
    public void Backtest_writes_an_empty_label_for_unlabelled_input_and_scores_like_predict()
    {
        var data = TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTrain.head.csv")).ToList();
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm,
            TrainingSet.From(FeatureMatrix.Build(data)), new HyperParameters(Trees: 20, Leaves: 7, MinDataInLeaf: 5), 1, 0);
        var path = Path.Combine(_dir, "model.onnx");
        OnnxExporter.Export(trained, new ModelCard(FeatureSchema.Current.Version, FeatureSchema.Current.Names, 0.5, "v", "lightgbm", new Dictionary<string, string>()), path, TrainingSet.From(FeatureMatrix.Build(data.Take(200))));
        using var model = FraudModel.Load(path, FeatureSchema.Current);

        var history = data.Take(3000).ToList();
        var input = data.Skip(3000).Select(tx => tx with { IsFraud = null }).ToList();
        var scores = new List<BacktestScore>();
        var result = new BacktestRunner(model, batchSize: 64).Run(history, input, scores.Add);

        result.Rows.Should().Be(input.Count);
        result.HistoryRows.Should().Be(3000);
        result.Metrics.Should().BeNull("the input has no labels");
        scores.Select(s => s.TransNum).Should().Equal(input.Select(tx => tx.TransNum));
        scores.Should().OnlyContain(s => s.IsFraud == null);

        // The same transactions featurized one by one and scored singly give the same scores.
        var state = new OnlineFeatureState();
        foreach (var tx in history)
        {
            state.Update(tx);
        }
        var features = new float[FeatureSchema.Current.Count];
        for (var i = 0; i < input.Count; i++)
        {
            state.ComputeAndUpdate(input[i], features);
            if (i % 97 == 0)
            {
                model.Predict(features).Should().BeApproximately(scores[i].Score, 1e-6f);
            }
        }
    }
}
