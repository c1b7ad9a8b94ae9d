using System.Globalization;
using FraudDetection.Core.Models.Linear;
using FraudDetection.Core.Models.Onnx;
using Google.Protobuf;

namespace FraudDetection.Training.Export;

/// <summary>
/// Writes a <see cref="LinearModel"/> as ONNX (<c>ai.onnx.ml.LinearRegressor</c> → Mul → Add → Sigmoid, the same
/// contract as the tree models); the SHAP baseline (training means) rides in metadata_props.
/// <see cref="OnnxModelReader"/> reads it back.
/// </summary>
public static class LinearModelOnnx
{
    public static ModelProto ToModel(LinearModel model, IReadOnlyDictionary<string, string> metadata)
    {
        var regressor = new NodeProto
        {
            Name = "linear",
            OpType = FraudModelOnnx.LinearOp,
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

    public static void Write(LinearModel model, IReadOnlyDictionary<string, string> metadata, string path)
    {
        using var file = File.Create(path);
        ToModel(model, metadata).WriteTo(file);
    }
}
