namespace FraudDetection.Core.Models.Onnx;

/// <summary>
/// The ONNX contract of a fraud model: one float input <c>[N, F]</c> named <see cref="InputName"/>, a fraud
/// probability output <c>[N, 1]</c> named <see cref="ProbabilityOutput"/>, and these metadata_props.
/// A foreign binary classifier needs the input shape and the two schema props; it may name its output otherwise.
/// </summary>
public static class FraudModelOnnx
{
    public const string InputName = "features";
    public const string ProbabilityOutput = "probability";
    /// <summary>The trees' raw sum (before the link), exported for tooling and the parity check.</summary>
    public const string RawScoreOutput = "raw_score";

    /// <summary>The scorer of tree models (<c>ai.onnx.ml</c>).</summary>
    public const string TreeEnsembleOp = "TreeEnsembleRegressor";
    /// <summary>The scorer of linear models (<c>ai.onnx.ml</c>).</summary>
    public const string LinearOp = "LinearRegressor";
    /// <summary>Initializers of the link after the scorer: probability = sigmoid(raw · scale + offset).</summary>
    public const string LinkScaleInitializer = "link_scale";
    public const string LinkOffsetInitializer = "link_offset";

    /// <summary>A float tensor <c>[N, width]</c> with a symbolic batch dimension: the model's input and outputs.</summary>
    public static ValueInfoProto FloatMatrix(string name, long width) => new()
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

    public const string MlDomain = "ai.onnx.ml";
    public const int MlOpset = 3;
    public const int OnnxOpset = 17;
    public const long IrVersion = 8;

    /// <summary>metadata_props keys.</summary>
    public static class Metadata
    {
        public const string FeatureSchemaVersion = "feature_schema_version";
        /// <summary>JSON array of the feature names, in input column order.</summary>
        public const string FeatureNames = "feature_names";
        /// <summary>Decision threshold on the probability, invariant culture.</summary>
        public const string Threshold = "threshold";
        public const string ModelVersion = "model_version";
        public const string Trainer = "trainer";
        /// <summary>JSON object: windows, parameters, row counts, creation time.</summary>
        public const string Training = "training";
        /// <summary>
        /// Base64 of little-endian float32 node covers (training rows reaching each node), in the order of
        /// (tree, node id) of the TreeEnsembleRegressor; TreeSHAP needs them and the op has no place for them.
        /// </summary>
        public const string TreeCovers = "tree_covers";
        /// <summary>Linear models: comma-separated training means of the features, the baseline of their SHAP values.</summary>
        public const string FeatureMeans = "feature_means";
        /// <summary>"logistic:scale:offset" — probability = sigmoid(scale * raw + offset).</summary>
        public const string Link = "link";
    }
}
