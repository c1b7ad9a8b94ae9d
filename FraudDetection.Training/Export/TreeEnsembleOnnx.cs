using System.Globalization;
using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using Google.Protobuf;

namespace FraudDetection.Training.Export;

/// <summary>
/// Writes a <see cref="TreeEnsemble"/> as ONNX (<c>ai.onnx.ml.TreeEnsembleRegressor</c> → Mul → Add → Sigmoid);
/// <see cref="OnnxModelReader"/> reads it back. Thresholds and leaf values are float32 in the op, as ML.NET's trees hold them.
/// </summary>
public static class TreeEnsembleOnnx
{
    public static ModelProto ToModel(TreeEnsemble ensemble, IReadOnlyDictionary<string, string> metadata, string graphName = "fraud_detector")
    {
        var tree = new NodeProto
        {
            Name = "trees",
            OpType = FraudModelOnnx.TreeEnsembleOp,
            Domain = FraudModelOnnx.MlDomain,
            Input = { FraudModelOnnx.InputName },
            Output = { FraudModelOnnx.RawScoreOutput },
        };
        var treeIds = new List<long>();
        var nodeIds = new List<long>();
        var featureIds = new List<long>();
        var modes = new List<ByteString>();
        var values = new List<float>();
        var trueIds = new List<long>();
        var falseIds = new List<long>();
        var missingTracksTrue = new List<long>();
        var targetTreeIds = new List<long>();
        var targetNodeIds = new List<long>();
        var targetIds = new List<long>();
        var targetWeights = new List<float>();
        var covers = new List<float>();
        var leaf = ByteString.CopyFromUtf8("LEAF");
        var branch = ByteString.CopyFromUtf8("BRANCH_LEQ");
        for (var t = 0; t < ensemble.Trees.Count; t++)
        {
            var dt = ensemble.Trees[t];
            for (var n = 0; n < dt.NodeCount; n++)
            {
                treeIds.Add(t);
                nodeIds.Add(n);
                covers.Add((float)dt.Cover[n]);
                missingTracksTrue.Add(0);
                if (dt.IsLeaf(n))
                {
                    featureIds.Add(0);
                    modes.Add(leaf);
                    values.Add(0);
                    trueIds.Add(0);
                    falseIds.Add(0);
                    targetTreeIds.Add(t);
                    targetNodeIds.Add(n);
                    targetIds.Add(0);
                    targetWeights.Add((float)dt.Value[n]);
                }
                else
                {
                    featureIds.Add(dt.Feature[n]);
                    modes.Add(branch);
                    values.Add(dt.Threshold[n]);
                    trueIds.Add(dt.Left[n]);
                    falseIds.Add(dt.Right[n]);
                }
            }
        }
        tree.Attribute.Add(Ints("nodes_treeids", treeIds));
        tree.Attribute.Add(Ints("nodes_nodeids", nodeIds));
        tree.Attribute.Add(Ints("nodes_featureids", featureIds));
        tree.Attribute.Add(new AttributeProto { Name = "nodes_modes", Type = AttributeProto.Types.AttributeType.Strings, Strings = { modes } });
        tree.Attribute.Add(Floats("nodes_values", values));
        tree.Attribute.Add(Ints("nodes_truenodeids", trueIds));
        tree.Attribute.Add(Ints("nodes_falsenodeids", falseIds));
        tree.Attribute.Add(Ints("nodes_missing_value_tracks_true", missingTracksTrue));
        tree.Attribute.Add(Ints("target_treeids", targetTreeIds));
        tree.Attribute.Add(Ints("target_nodeids", targetNodeIds));
        tree.Attribute.Add(Ints("target_ids", targetIds));
        tree.Attribute.Add(Floats("target_weights", targetWeights));
        tree.Attribute.Add(Floats("base_values", [(float)ensemble.Bias]));
        tree.Attribute.Add(new AttributeProto { Name = "n_targets", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        tree.Attribute.Add(String("aggregate_function", "SUM"));
        tree.Attribute.Add(String("post_transform", "NONE"));

        var model = Wrap(tree, ensemble.Link, ensemble.FeatureCount, metadata, graphName);
        SetMetadata(model, FraudModelOnnx.Metadata.TreeCovers, EncodeCovers(covers));
        return model;
    }

    /// <summary>A model around <paramref name="scorer"/> (features → raw_score [N, 1]): the logistic link, the I/O contract, the metadata.</summary>
    internal static ModelProto Wrap(NodeProto scorer, LogisticLink link, int featureCount, IReadOnlyDictionary<string, string> metadata, string graphName)
    {
        var graph = new GraphProto
        {
            Name = graphName,
            Node =
            {
                scorer,
                new NodeProto { Name = "link_mul", OpType = "Mul", Input = { FraudModelOnnx.RawScoreOutput, FraudModelOnnx.LinkScaleInitializer }, Output = { "scaled" } },
                new NodeProto { Name = "link_add", OpType = "Add", Input = { "scaled", FraudModelOnnx.LinkOffsetInitializer }, Output = { "margin" } },
                new NodeProto { Name = "link_sigmoid", OpType = "Sigmoid", Input = { "margin" }, Output = { FraudModelOnnx.ProbabilityOutput } },
            },
            Initializer =
            {
                new TensorProto { Name = FraudModelOnnx.LinkScaleInitializer, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { (float)link.Scale } },
                new TensorProto { Name = FraudModelOnnx.LinkOffsetInitializer, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { (float)link.Offset } },
            },
            Input = { FraudModelOnnx.FloatMatrix(FraudModelOnnx.InputName, featureCount) },
            Output = { FraudModelOnnx.FloatMatrix(FraudModelOnnx.ProbabilityOutput, 1), FraudModelOnnx.FloatMatrix(FraudModelOnnx.RawScoreOutput, 1) },
        };

        var model = new ModelProto
        {
            IrVersion = FraudModelOnnx.IrVersion,
            ProducerName = "FraudDetection.Training",
            ProducerVersion = typeof(TreeEnsembleOnnx).Assembly.GetName().Version?.ToString() ?? "1.0",
            Graph = graph,
            OpsetImport =
            {
                new OperatorSetIdProto { Domain = "", Version = FraudModelOnnx.OnnxOpset },
                new OperatorSetIdProto { Domain = FraudModelOnnx.MlDomain, Version = FraudModelOnnx.MlOpset },
            },
        };
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        SetMetadata(model, FraudModelOnnx.Metadata.Link, string.Create(CultureInfo.InvariantCulture,
            $"logistic:{link.Scale:R}:{link.Offset:R}"));
        return model;
    }

    public static void Write(TreeEnsemble ensemble, IReadOnlyDictionary<string, string> metadata, string path)
    {
        var model = ToModel(ensemble, metadata);
        using var file = File.Create(path);
        model.WriteTo(file);
    }

    private static string EncodeCovers(List<float> covers)
    {
        var bytes = new byte[covers.Count * sizeof(float)];
        for (var i = 0; i < covers.Count; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * sizeof(float)), covers[i]);
        }
        return Convert.ToBase64String(bytes);
    }

    internal static void SetMetadata(ModelProto model, string key, string value)
    {
        var existing = model.MetadataProps.FirstOrDefault(p => p.Key == key);
        if (existing is null)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        else
        {
            existing.Value = value;
        }
    }

    private static AttributeProto Ints(string name, IEnumerable<long> values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    private static AttributeProto Floats(string name, IEnumerable<float> values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Floats, Floats = { values } };

    private static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
