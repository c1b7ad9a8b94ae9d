using System.Globalization;
using FraudDetection.Core.Models.Linear;
using FraudDetection.Core.Models.Trees;
using Google.Protobuf;

namespace FraudDetection.Core.Models.Onnx;

/// <summary>
/// Writes a <see cref="LinearModel"/> as ONNX (<c>ai.onnx.ml.LinearRegressor</c> → Mul → Add → Sigmoid, the same
/// contract as the tree models) and reads it back; the SHAP baseline (training means) rides in metadata_props.
/// </summary>
public static class LinearModelOnnx
{
    private const string RegressorOp = "LinearRegressor";

    public static ModelProto ToModel(LinearModel model, IReadOnlyDictionary<string, string> metadata)
    {
        var regressor = new NodeProto
        {
            Name = "linear",
            OpType = RegressorOp,
            Domain = FraudModelOnnx.MlDomain,
            Input = { FraudModelOnnx.InputName },
            Output = { FraudModelOnnx.RawScoreOutput },
            Attribute =
            {
                new AttributeProto { Name = "coefficients", Type = AttributeProto.Types.AttributeType.Floats, Floats = { model.Weights.Select(w => (float)w) } },
                new AttributeProto { Name = "intercepts", Type = AttributeProto.Types.AttributeType.Floats, Floats = { (float)model.Bias } },
                new AttributeProto { Name = "targets", Type = AttributeProto.Types.AttributeType.Int, I = 1 },
                new AttributeProto { Name = "post_transform", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("NONE") },
            },
        };
        var proto = TreeEnsembleOnnx.Wrap(regressor, model.Link, model.FeatureCount, metadata, "fraud_detector_linear");
        TreeEnsembleOnnx.SetMetadata(proto, FraudModelOnnx.Metadata.FeatureMeans,
            string.Join(',', model.Means.Select(m => m.ToString("R", CultureInfo.InvariantCulture))));
        return proto;
    }

    /// <summary>The linear model in <paramref name="model"/>, or null when it has no LinearRegressor with means.</summary>
    public static LinearModel? Read(ModelProto model)
    {
        var node = model.Graph?.Node.FirstOrDefault(n => n.OpType == RegressorOp && n.Domain == FraudModelOnnx.MlDomain);
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
            ? new LinearModel(weights, bias, meanValues, TreeEnsembleOnnx.ReadLink(model))
            : null;
    }

    public static void Write(LinearModel model, IReadOnlyDictionary<string, string> metadata, string path)
    {
        using var file = File.Create(path);
        ToModel(model, metadata).WriteTo(file);
    }
}
