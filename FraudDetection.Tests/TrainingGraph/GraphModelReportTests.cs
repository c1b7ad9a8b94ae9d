using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Training.Tracking;
using FraudDetection.Core.Transactions;
using FraudDetection.Tests.Registry;
using FraudDetection.Training.Cli;
using FraudDetection.Training.Explanation;
using FraudDetection.Training.Graph.Export;
using FraudDetection.Training.Graph.Model;
using FraudDetection.Training.GraphModel;
using FraudDetection.Training.Promotion;
using FraudDetection.Training.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace FraudDetection.Tests.TrainingGraph;

/// <summary><c>train --trainer graphsage</c>'s report and files, and the graph model's way through registration and the gate.</summary>
public sealed class GraphModelReportTests : IDisposable
{
    private readonly TempFolder _temp = new("fd-graph-model");

    public void Dispose() => _temp.Dispose();

    private string WriteData()
    {
        var csv = Path.Combine(_temp.Path, "graph.csv");
        TransactionCsv.WriteFile(csv, GraphModelData.Stream(days: 40));
        return csv;
    }

    [Fact]
    public async Task Train_graphsage_writes_the_same_report_as_the_other_trainers_and_a_head_scoring_refuses()
    {
        var csv = WriteData();
        var modelDir = _temp.Sub("model");

        var exit = await TrainingCli.RunAsync(["train", "--trainer", "graphsage", "--data", csv, "--valid-from", "2020-03-31", "--out", modelDir,
            "--epochs", "2", "--negatives-per-fraud", "5", "--threads", "2", "--model-version", "graph-1"]);

        exit.Should().Be(0);
        var report = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(modelDir, ModelRegistryNames.MetricsFileName)), ModelReportJsonContext.Default.ModelReport)!;
        report.ModelVersion.Should().Be("graph-1");
        report.Trainer.Should().Be(GraphModelTrainer.TrainerName);
        report.FeatureSchemaVersion.Should().Be(FeatureSchema.Current.Version);
        report.FeatureNames.Should().Equal(FeatureSchema.Current.Names);
        report.TrainWindow.Should().StartWith("2020-03-01");
        report.ValidationWindow.Should().StartWith("2020-03-31");
        report.Validation.Rows.Should().Be(10 * 90, "ten validation days of 90 transactions");
        report.Validation.Frauds.Should().BeGreaterThan(0);
        report.Validation.AveragePrecision.Should().BeInRange(0, 1);
        report.Validation.RocAuc.Should().BeInRange(0, 1);
        report.Validation.CardPrecisionAt100PerDay.Should().NotBeNull();
        report.Validation.Balanced1To1.Should().NotBeNull();
        report.Params["epochs_run"].Should().Be(report.ValidationCurve.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        report.ValidationCurve.Max().Should().BeApproximately(report.Validation.AveragePrecision, 1e-6, "the best epoch is kept and measured");
        report.Params[ModelServing.ServableParam].Should().Be("false");
        report.Params[ModelServing.NotServableReasonParam].Should().Be(GraphModelTrainer.NotServableReason);
        report.Params.Should().ContainKeys("train_seconds", "cpu_seconds", "peak_memory_mb", "seconds_at_epoch_1", "best_epoch", "onnx_parity_max_abs_diff");
        report.FeatureImportance.Select(v => v.Feature).Should().Contain(["card_embedding", "merchant_embedding"]);
        report.FeatureImportance.Sum(v => v.Value).Should().BeApproximately(1, 1e-9);
        report.ShapMeanAbs.Should().BeEmpty("no SHAP for the graph model");
        report.Plots.Should().BeEquivalentTo(ModelPlots.ConfusionMatrix, ModelPlots.PrecisionRecall, ModelPlots.Roc, ModelPlots.FeatureImportance);

        // The graph model itself, and its classifier head: Scoring's schema check refuses the head.
        var model = GraphSageModel.Load(Path.Combine(modelDir, GraphModelTrainer.ModelFileName));
        model.TransactionFeatureNames.Should().Equal(FeatureSchema.Current.Names);
        var onnx = Path.Combine(modelDir, ModelRegistryNames.OnnxFileName);
        var refuse = () => FraudModel.Load(onnx, FeatureSchema.Current);
        refuse.Should().Throw<ModelSchemaMismatchException>();
        var headNames = ClassifierHeadOnnx.InputNames(model);
        using var head = FraudModel.Load(onnx, FeatureSchema.Create(headNames, FeatureSchema.SemanticVersion).Version, headNames);
        head.Threshold.Should().Be(report.Threshold);
        head.Trainer.Should().Be(GraphModelTrainer.TrainerName);
        head.FeatureCount.Should().Be(FeatureSchema.Current.Count + 2 * model.Shape.Embedding);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task A_graph_model_is_tracked_registered_and_listed_beside_lightgbm_but_the_gate_refuses_it()
    {
        var csv = WriteData();
        var settings = new Dictionary<string, string?>
        {
            ["Training:DataFiles:0"] = csv,
            ["Training:ValidationDays"] = "10",
            ["Training:Trees"] = "30",
            ["Training:ShapRows"] = "200",
            ["Training:Promotion:WindowDays"] = "5",
        };
        await using (var lightGbm = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>(settings) { ["Training:Trainer"] = "LightGbm" }))
        {
            var first = await StartAndWaitAsync(lightGbm);
            first.Decision.Should().Be(PromotionOutcomes.FirstChampion, first.Error);
        }

        await using var graph = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?>(settings) { ["Training:Trainer"] = "GraphSage" });
        var run = await StartAndWaitAsync(graph);

        run.State.Should().Be(TrainingRunState.Succeeded, run.Error);
        run.Decision.Should().Be(PromotionOutcomes.NotServable);
        run.DecisionReason.Should().StartWith("not servable by Scoring").And.Contain("embeddings");
        var registry = graph.App.Services.GetRequiredService<IModelRegistryAdmin>();
        (await registry.GetByAliasAsync(ModelRegistryNames.ChampionAlias))!.Version.Should().Be("1");
        (await registry.GetByAliasAsync(ModelRegistryNames.ChallengerAlias)).Should().BeNull("a version Scoring cannot serve is not a challenger either");
        var versions = await registry.ListVersionsAsync();
        versions.Single(v => v.Version == "2").Tags[RegistryTags.GateDecision].Should().Be(PromotionOutcomes.NotServable);

        var tracked = await graph.App.Services.GetRequiredService<IExperimentTracker>().GetRunAsync(run.TrackedRunId!);
        tracked!.Metrics.Should().Contain(m => m.Key == ModelReportTracking.ValidationCurveMetric && m.Step > 1, "validation AP per epoch is logged as steps");

        var list = await graph.Client.GetStringAsync("/models");
        list.Should().Contain(">graphsage<").And.Contain(">lightgbm<").And.Contain(PromotionOutcomes.NotServable);
        var compare = await graph.Client.GetAsync("/models/compare?a=1&b=2");
        compare.StatusCode.Should().Be(HttpStatusCode.OK);
        (await compare.Content.ReadAsStringAsync()).Should().Contain("average precision").And.Contain("card_embedding");
    }

    private static async Task<TrainingRunStatus> StartAndWaitAsync(TrainingHost host)
    {
        var queued = await (await host.Client.PostAsync("/api/training/runs", null)).Content.ReadFromJsonAsync<TrainingRunStatus>(TrainingHost.JsonOptions);
        return await host.WaitForRunAsync(queued!.Id, TimeSpan.FromSeconds(180));
    }
}
