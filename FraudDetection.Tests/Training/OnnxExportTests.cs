using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Export;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

public sealed class OnnxExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("onnx-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ModelCard Card(string schemaVersion = "test-v1") =>
        new(schemaVersion, SyntheticData.FeatureNames, 0.42, "v-test", "lightgbm", new Dictionary<string, string> { ["rows"] = "3000" });

    [Theory]
    [InlineData(TrainerKind.LightGbm)]
    [InlineData(TrainerKind.FastTree)]
    public void Onnx_runtime_scores_equal_mlnet_within_1e5(TrainerKind kind)
    {
        var train = SyntheticData.Make(3000, seed: 1);
        var check = SyntheticData.Make(1000, seed: 2);
        var trained = EnsembleTrainer.Train(kind, train, new HyperParameters(Trees: 40, Leaves: 15, MinDataInLeaf: 10), seed: 7, priorCorrection: 0);
        var path = Path.Combine(_dir, $"{kind}.onnx");

        var parity = OnnxExporter.Export(trained, Card(), path, check);

        parity.MaxAbsDifference.Should().BeLessThanOrEqualTo(1e-5);
        using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);
        var onnx = new float[check.Rows];
        model.Predict(check.Values, check.Rows, onnx);
        var mlnet = trained.MlNetProbabilities(check);
        for (var i = 0; i < check.Rows; i++)
        {
            onnx[i].Should().BeApproximately(mlnet[i], 1e-5f, "row {0}", i);
        }
        onnx.Distinct().Count().Should().BeGreaterThan(20, "the model must not be constant");
        model.Threshold.Should().Be(0.42);
        model.Version.Should().Be("v-test");
        model.CanExplain.Should().BeTrue();
    }

    [Fact]
    public void Logistic_model_exports_with_parity_and_its_linear_shap_sums_to_the_margin()
    {
        var train = SyntheticData.Make(3000, seed: 31);
        var check = SyntheticData.Make(500, seed: 32);
        var trained = LinearTrainer.Train(train, new HyperParameters(L2: 0.5), seed: 1, priorCorrection: Math.Log(0.25));
        var path = Path.Combine(_dir, "logistic.onnx");

        var parity = OnnxExporter.Export(trained, Card(), path, check);

        parity.MaxAbsDifference.Should().BeLessThanOrEqualTo(1e-5);
        using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);
        model.Ensemble.Should().BeNull();
        model.Linear.Should().NotBeNull();
        model.CanExplain.Should().BeTrue();
        model.Linear!.Weights[2].Should().BeGreaterThan(0, "velocity raises the fraud odds in the generator");
        for (var i = 0; i < check.Rows; i += 25)
        {
            var row = check.Row(i);
            var p = model.Predict(row);
            var explanation = model.Explain(row);
            LogisticLink.Sigmoid(explanation.Margin).Should().BeApproximately(p, 1e-5);
            p.Should().BeApproximately((float)trained.Probability(row), 1e-5f);
        }
    }

    [Fact]
    public void Prior_correction_shifts_the_margin_by_its_value()
    {
        var train = SyntheticData.Make(2000, seed: 3);
        var check = SyntheticData.Make(200, seed: 4);
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, train, new HyperParameters(Trees: 20, Leaves: 7, MinDataInLeaf: 10), seed: 1, priorCorrection: Math.Log(0.1));
        var path = Path.Combine(_dir, "prior.onnx");
        OnnxExporter.Export(trained, Card(), path, check);
        using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);
        var mlnet = trained.MlNetProbabilities(check);
        for (var i = 0; i < check.Rows; i++)
        {
            var p = model.Predict(check.Row(i));
            var logit = Math.Log(p / (1 - p));
            var mlLogit = Math.Log(mlnet[i] / (1 - mlnet[i]));
            logit.Should().BeApproximately(mlLogit + Math.Log(0.1), 1e-3);
        }
    }

    [Fact]
    public void Loader_refuses_a_model_with_another_schema_version_or_other_names()
    {
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, SyntheticData.Make(1000, 5), new HyperParameters(Trees: 5, Leaves: 4, MinDataInLeaf: 10), 1, 0);
        var path = Path.Combine(_dir, "old.onnx");
        OnnxExporter.Export(trained, Card("features-v0"), path, SyntheticData.Make(50, 6));

        var otherVersion = () => FraudModel.Load(path, "features-v1", SyntheticData.FeatureNames);
        otherVersion.Should().Throw<ModelSchemaMismatchException>().WithMessage("*'features-v0'*'features-v1'*");

        string[] renamed = [.. SyntheticData.FeatureNames.Take(4), "something_else"];
        var otherNames = () => FraudModel.Load(path, "features-v0", renamed);
        otherNames.Should().Throw<ModelSchemaMismatchException>().WithMessage("*feature 4 is 'noise' instead of 'something_else'*");

        using var same = FraudModel.Load(path, "features-v0", SyntheticData.FeatureNames);
        same.SchemaVersion.Should().Be("features-v0");
    }

    [Fact]
    public void Trees_read_back_from_the_onnx_graph_score_like_onnx_runtime()
    {
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, SyntheticData.Make(2000, 8), new HyperParameters(Trees: 30, Leaves: 15, MinDataInLeaf: 10), 1, 0);
        var path = Path.Combine(_dir, "read.onnx");
        var check = SyntheticData.Make(300, 9);
        OnnxExporter.Export(trained, Card(), path, check);
        using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);

        var ensemble = model.Ensemble!;
        ensemble.Trees.Should().HaveCount(trained.Ensemble.Trees.Count);
        ensemble.Trees.Sum(t => t.Cover[0]).Should().Be(trained.Ensemble.Trees.Sum(t => t.Cover[0]));
        for (var i = 0; i < check.Rows; i++)
        {
            ensemble.Probability(check.Row(i)).Should().BeApproximately(model.Predict(check.Row(i)), 1e-5);
        }
    }

    [Fact]
    public void A_tree_model_without_covers_scores_the_same_but_does_not_explain()
    {
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, SyntheticData.Make(1500, 12), new HyperParameters(Trees: 15, Leaves: 7, MinDataInLeaf: 10), 1, 0);
        var path = Path.Combine(_dir, "with-covers.onnx");
        var check = SyntheticData.Make(100, 13);
        OnnxExporter.Export(trained, Card(), path, check);
        var proto = OnnxModelReader.ReadModel(path);
        proto.MetadataProps.Remove(proto.MetadataProps.Single(p => p.Key == FraudModelOnnx.Metadata.TreeCovers));
        var stripped = Path.Combine(_dir, "without-covers.onnx");
        File.WriteAllBytes(stripped, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        using var full = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);
        using var foreign = FraudModel.Load(stripped, "test-v1", SyntheticData.FeatureNames);

        foreign.CanExplain.Should().BeFalse();
        for (var i = 0; i < check.Rows; i++)
        {
            foreign.Predict(check.Row(i)).Should().Be(full.Predict(check.Row(i)));
        }
    }

    [Fact]
    public void A_foreign_binary_classifier_scores_without_explanations()
    {
        // A hand-built "foreign" model: p = sigmoid(x · w + b), output [N, 2] class probabilities like skl2onnx's.
        var w = new[] { 0.01f, -0.2f, 0.5f, 0.03f, 0f };
        var graph = new GraphProto
        {
            Name = "foreign",
            Node =
            {
                new NodeProto { OpType = "MatMul", Input = { "x", "w" }, Output = { "xw" } },
                new NodeProto { OpType = "Add", Input = { "xw", "b" }, Output = { "logit" } },
                new NodeProto { OpType = "Sigmoid", Input = { "logit" }, Output = { "p1" } },
                new NodeProto { OpType = "Sub", Input = { "one", "p1" }, Output = { "p0" } },
                new NodeProto { OpType = "Concat", Input = { "p0", "p1" }, Output = { "probabilities" }, Attribute = { new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = 1 } } },
            },
            Initializer =
            {
                new TensorProto { Name = "w", DataType = 1, Dims = { 5, 1 }, FloatData = { w } },
                new TensorProto { Name = "b", DataType = 1, Dims = { 1 }, FloatData = { -1f } },
                new TensorProto { Name = "one", DataType = 1, Dims = { 1 }, FloatData = { 1f } },
            },
            Input = { Tensor("x", 5) },
            Output = { Tensor("probabilities", 2) },
        };
        var proto = new ModelProto
        {
            IrVersion = 8,
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = 17 } },
            MetadataProps =
            {
                new StringStringEntryProto { Key = FraudModelOnnx.Metadata.FeatureSchemaVersion, Value = "test-v1" },
                new StringStringEntryProto { Key = FraudModelOnnx.Metadata.FeatureNames, Value = "[\"amount\",\"hour\",\"velocity\",\"distance\",\"noise\"]" },
            },
        };
        var path = Path.Combine(_dir, "foreign.onnx");
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        using var model = FraudModel.Load(path, "test-v1", SyntheticData.FeatureNames);
        var rows = SyntheticData.Make(10, 11);
        var scores = new float[rows.Rows];
        model.Predict(rows.Values, rows.Rows, scores);

        for (var i = 0; i < rows.Rows; i++)
        {
            var x = rows.Row(i);
            var logit = -1.0;
            for (var j = 0; j < 5; j++)
            {
                logit += x[j] * w[j];
            }
            scores[i].Should().BeApproximately((float)(1 / (1 + Math.Exp(-logit))), 1e-5f);
        }
        model.CanExplain.Should().BeFalse();
        model.Threshold.Should().Be(0.5);
        var explain = () => model.Explain(rows.Row(0));
        explain.Should().Throw<InvalidOperationException>();
    }

    private static ValueInfoProto Tensor(string name, long width) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = 1,
                Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimParam = "N" }, new TensorShapeProto.Types.Dimension { DimValue = width } } },
            },
        },
    };
}
