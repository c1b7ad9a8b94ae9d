using System.Globalization;
using FraudDetection.Core.Models.Trees;
using Google.Protobuf;

namespace FraudDetection.Core.Models.Onnx;

/// <summary>
/// Writes a <see cref="TreeEnsemble"/> as ONNX (<c>ai.onnx.ml.TreeEnsembleRegressor</c> → Mul → Add → Sigmoid) and
/// reads it back from the graph. Thresholds and leaf values are float32 in the op, as ML.NET's trees hold them.
/// </summary>
public static class TreeEnsembleOnnx
{
    private const string RegressorOp = "TreeEnsembleRegressor";
    private const string ScaleInitializer = "link_scale";
    private const string OffsetInitializer = "link_offset";

    public static ModelProto ToModel(TreeEnsemble ensemble, IReadOnlyDictionary<string, string> metadata, string graphName = "fraud_detector")
    {
        var tree = new NodeProto
        {
            Name = "trees",
            OpType = RegressorOp,
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
                new NodeProto { Name = "link_mul", OpType = "Mul", Input = { FraudModelOnnx.RawScoreOutput, ScaleInitializer }, Output = { "scaled" } },
                new NodeProto { Name = "link_add", OpType = "Add", Input = { "scaled", OffsetInitializer }, Output = { "margin" } },
                new NodeProto { Name = "link_sigmoid", OpType = "Sigmoid", Input = { "margin" }, Output = { FraudModelOnnx.ProbabilityOutput } },
            },
            Initializer =
            {
                new TensorProto { Name = ScaleInitializer, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { (float)link.Scale } },
                new TensorProto { Name = OffsetInitializer, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { (float)link.Offset } },
            },
            Input = { FloatTensor(FraudModelOnnx.InputName, featureCount) },
            Output = { FloatTensor(FraudModelOnnx.ProbabilityOutput, 1), FloatTensor(FraudModelOnnx.RawScoreOutput, 1) },
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

    public static ModelProto ReadModel(string path)
    {
        using var file = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(file);
    }

    /// <summary>
    /// The trees in <paramref name="model"/>'s TreeEnsembleRegressor with their covers and link; null when the model has
    /// no such node or no <see cref="FraudModelOnnx.Metadata.TreeCovers"/> (a foreign model).
    /// </summary>
    public static TreeEnsemble? ReadEnsemble(ModelProto model)
    {
        var node = model.Graph?.Node.FirstOrDefault(n => n.OpType == RegressorOp && n.Domain == FraudModelOnnx.MlDomain);
        if (node is null)
        {
            return null;
        }
        var attributes = node.Attribute.ToDictionary(a => a.Name);
        long[] IntsOf(string name) => attributes.TryGetValue(name, out var a) ? [.. a.Ints] : [];
        float[] FloatsOf(string name) => attributes.TryGetValue(name, out var a) ? [.. a.Floats] : [];

        var treeIds = IntsOf("nodes_treeids");
        var nodeIds = IntsOf("nodes_nodeids");
        var featureIds = IntsOf("nodes_featureids");
        var values = FloatsOf("nodes_values");
        var trueIds = IntsOf("nodes_truenodeids");
        var falseIds = IntsOf("nodes_falsenodeids");
        var modes = attributes.TryGetValue("nodes_modes", out var m) ? m.Strings.Select(s => s.ToStringUtf8()).ToArray() : [];
        var targetTreeIds = IntsOf("target_treeids");
        var targetNodeIds = IntsOf("target_nodeids");
        var targetWeights = FloatsOf("target_weights");
        var baseValues = FloatsOf("base_values");
        if (modes.Any(mode => mode is not ("LEAF" or "BRANCH_LEQ")))
        {
            return null; // Another branch rule: scored by ONNX Runtime, not explained here.
        }

        var covers = model.MetadataProps.FirstOrDefault(p => p.Key == FraudModelOnnx.Metadata.TreeCovers)?.Value;
        if (covers is null)
        {
            return null; // A foreign tree model: ONNX Runtime scores it, but without covers there is no TreeSHAP.
        }
        var coverValues = DecodeCovers(covers);
        if (coverValues.Length != treeIds.Length)
        {
            throw new InvalidDataException($"The model has {treeIds.Length} tree nodes but {coverValues.Length} covers.");
        }

        var treeCount = treeIds.Length == 0 ? 0 : (int)treeIds.Max() + 1;
        var trees = new DecisionTree[treeCount];
        var leafValue = new Dictionary<(long Tree, long Node), double>();
        for (var i = 0; i < targetTreeIds.Length; i++)
        {
            var key = (targetTreeIds[i], targetNodeIds[i]);
            leafValue[key] = leafValue.GetValueOrDefault(key) + targetWeights[i];
        }
        var start = 0;
        for (var t = 0; t < treeCount; t++)
        {
            var end = start;
            while (end < treeIds.Length && treeIds[end] == t)
            {
                end++;
            }
            var count = end - start;
            var feature = new int[count];
            var threshold = new float[count];
            var left = new int[count];
            var right = new int[count];
            var value = new double[count];
            var cover = new double[count];
            for (var i = start; i < end; i++)
            {
                var id = (int)nodeIds[i];
                if ((uint)id >= (uint)count)
                {
                    throw new InvalidDataException($"Tree {t} has node id {id} outside 0..{count - 1}.");
                }
                var isLeaf = modes[i] == "LEAF";
                feature[id] = isLeaf ? -1 : (int)featureIds[i];
                threshold[id] = values[i];
                left[id] = (int)trueIds[i];
                right[id] = (int)falseIds[i];
                value[id] = isLeaf ? leafValue.GetValueOrDefault((t, id)) : 0;
                cover[id] = coverValues[i];
            }
            trees[t] = new DecisionTree(feature, threshold, left, right, value, cover);
            start = end;
        }
        if (start != treeIds.Length)
        {
            throw new InvalidDataException("Tree nodes are not grouped by tree id in ascending order.");
        }

        var featureCount = InputWidth(model) ?? (featureIds.Length == 0 ? 1 : (int)featureIds.Max() + 1);
        return new TreeEnsemble(trees, baseValues.Length > 0 ? baseValues[0] : 0, ReadLink(model), featureCount);
    }

    /// <summary>The second dimension of the model's first input, when fixed.</summary>
    public static int? InputWidth(ModelProto model)
    {
        var input = model.Graph?.Input.FirstOrDefault();
        var dims = input?.Type?.TensorType?.Shape?.Dim;
        if (dims is null || dims.Count != 2 || dims[1].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
        {
            return null;
        }
        return (int)dims[1].DimValue;
    }

    internal static LogisticLink ReadLink(ModelProto model)
    {
        // The graph is the truth: read the Mul/Add constants that follow the trees.
        var init = model.Graph.Initializer.ToDictionary(i => i.Name);
        double Scalar(string name, double fallback) =>
            init.TryGetValue(name, out var tensor) && tensor.FloatData.Count == 1 ? tensor.FloatData[0] : fallback;
        var link = model.MetadataProps.FirstOrDefault(p => p.Key == FraudModelOnnx.Metadata.Link)?.Value;
        if (link is not null)
        {
            // The metadata keeps the link in double precision; use it when it agrees with the graph's float constants.
            var parts = link.Split(':');
            if (parts.Length == 3 && parts[0] == "logistic"
                && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var scale)
                && double.TryParse(parts[2], CultureInfo.InvariantCulture, out var offset)
                && (float)scale == (float)Scalar(ScaleInitializer, scale) && (float)offset == (float)Scalar(OffsetInitializer, offset))
            {
                return new LogisticLink(scale, offset);
            }
        }
        return new LogisticLink(Scalar(ScaleInitializer, 1), Scalar(OffsetInitializer, 0));
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

    private static float[] DecodeCovers(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var covers = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < covers.Length; i++)
        {
            covers[i] = BitConverter.ToSingle(bytes, i * sizeof(float));
        }
        return covers;
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

    private static ValueInfoProto FloatTensor(string name, long width) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = (int)TensorProto.Types.DataType.Float,
                Shape = new TensorShapeProto
                {
                    Dim =
                    {
                        new TensorShapeProto.Types.Dimension { DimParam = "N" },
                        new TensorShapeProto.Types.Dimension { DimValue = width },
                    },
                },
            },
        },
    };
}
