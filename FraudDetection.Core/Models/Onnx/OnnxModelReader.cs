using System.Globalization;
using FraudDetection.Core.Models.Linear;
using FraudDetection.Core.Models.Trees;

namespace FraudDetection.Core.Models.Onnx;

/// <summary>
/// Reads what Scoring needs from a fraud model's ONNX graph (<see cref="FraudModelOnnx"/>): the trees with their
/// covers, or the linear model with its means, and the logistic link — for TreeSHAP and the exact linear explanation.
/// Training's exporters write these graphs.
/// </summary>
public static class OnnxModelReader
{
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
        var node = model.Graph?.Node.FirstOrDefault(n => n.OpType == FraudModelOnnx.TreeEnsembleOp && n.Domain == FraudModelOnnx.MlDomain);
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

    public static LogisticLink ReadLink(ModelProto model)
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
                && (float)scale == (float)Scalar(FraudModelOnnx.LinkScaleInitializer, scale) && (float)offset == (float)Scalar(FraudModelOnnx.LinkOffsetInitializer, offset))
            {
                return new LogisticLink(scale, offset);
            }
        }
        return new LogisticLink(Scalar(FraudModelOnnx.LinkScaleInitializer, 1), Scalar(FraudModelOnnx.LinkOffsetInitializer, 0));
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

    /// <summary>The linear model in <paramref name="model"/>, or null when it has no LinearRegressor with means.</summary>
    public static LinearModel? ReadLinear(ModelProto model)
    {
        var node = model.Graph?.Node.FirstOrDefault(n => n.OpType == FraudModelOnnx.LinearOp && n.Domain == FraudModelOnnx.MlDomain);
        var means = model.MetadataProps.FirstOrDefault(p => p.Key == FraudModelOnnx.Metadata.FeatureMeans)?.Value;
        if (node is null || means is null)
        {
            return null;
        }
        var attributes = node.Attribute.ToDictionary(a => a.Name);
        var weights = attributes.TryGetValue("coefficients", out var c) ? c.Floats.Select(f => (double)f).ToArray() : [];
        var bias = attributes.TryGetValue("intercepts", out var b) && b.Floats.Count > 0 ? b.Floats[0] : 0;
        var meanValues = means.Split(',').Select(m => float.Parse(m, CultureInfo.InvariantCulture)).ToArray();
        return weights.Length == meanValues.Length && weights.Length > 0
            ? new LinearModel(weights, bias, meanValues, ReadLink(model))
            : null;
    }
}
