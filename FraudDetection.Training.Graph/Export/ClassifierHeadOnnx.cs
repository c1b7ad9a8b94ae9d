using FraudDetection.Core.Models.Onnx;
using FraudDetection.Training.Graph.Model;

namespace FraudDetection.Training.Graph.Export;

/// <summary>
/// The graph model's classifier as ONNX (standard ops, opset 17): one float input [N, F + 2E] = the transaction's
/// features ‖ its card's embedding ‖ its merchant's embedding, output <c>probability</c> [N, 1]. The feature
/// transform (signed log, scaling, clip) is in the graph. The embeddings come from the graph, which Scoring does not
/// hold: this file is the servable half of the model, not a model Scoring can load on its own.
/// </summary>
public static class ClassifierHeadOnnx
{
    /// <summary>Input column names: the transaction features, then <c>card_emb_i</c> and <c>merchant_emb_i</c>.</summary>
    public static IReadOnlyList<string> InputNames(GraphSageModel model) =>
    [
        .. model.TransactionFeatureNames,
        .. Enumerable.Range(0, model.Shape.Embedding).Select(i => $"card_emb_{i}"),
        .. Enumerable.Range(0, model.Shape.Embedding).Select(i => $"merchant_emb_{i}"),
    ];

    public static ModelProto ToModel(GraphSageModel model, IReadOnlyDictionary<string, string> metadata)
    {
        var shape = model.Shape;
        var f = shape.TransactionFeatures;
        var width = shape.ClassifierInput;
        var hidden = shape.ClassifierHidden;
        var tx = model.Scalers.Transaction;
        var mask = new float[width];
        var keep = new float[width];
        var mean = new float[width];
        var inverse = new float[width];
        var low = new float[width];
        var high = new float[width];
        for (var i = 0; i < width; i++)
        {
            var transformed = i < f;
            mask[i] = transformed && tx.SignedLog ? 1 : 0;
            keep[i] = 1 - mask[i];
            mean[i] = transformed ? tx.Mean[i] : 0;
            inverse[i] = transformed ? tx.InverseStd[i] : 1;
            low[i] = transformed && float.IsFinite(tx.Clip) ? -tx.Clip : float.MinValue;
            high[i] = transformed && float.IsFinite(tx.Clip) ? tx.Clip : float.MaxValue;
        }
        var p = model.Parameters.AsSpan();
        var layout = model.Layout;
        // MatMul wants [in, out]: transpose the row-major [out, in] weights.
        var w1 = layout.ClassifierWeights.Of(p);
        var w1T = new float[width * hidden];
        for (var o = 0; o < hidden; o++)
        {
            for (var i = 0; i < width; i++)
            {
                w1T[i * hidden + o] = w1[o * width + i];
            }
        }
        var bias2 = layout.OutputBias.Of(p)[0] + (float)model.PriorCorrection;

        var graph = new GraphProto
        {
            Name = "fraud_detector_graphsage_head",
            Node =
            {
                Node("Abs", [FraudModelOnnx.InputName], "abs"),
                Node("Add", ["abs", "one"], "abs_plus_one"),
                Node("Log", ["abs_plus_one"], "log_abs"),
                Node("Sign", [FraudModelOnnx.InputName], "sign"),
                Node("Mul", ["sign", "log_abs"], "signed_log"),
                Node("Mul", ["signed_log", "log_mask"], "logged"),
                Node("Mul", [FraudModelOnnx.InputName, "keep_mask"], "kept"),
                Node("Add", ["logged", "kept"], "transformed"),
                Node("Sub", ["transformed", "mean"], "centred"),
                Node("Mul", ["centred", "inverse_std"], "scaled"),
                Node("Max", ["scaled", "low"], "clipped_low"),
                Node("Min", ["clipped_low", "high"], "classifier_input"),
                Node("MatMul", ["classifier_input", "w1"], "hidden_linear"),
                Node("Add", ["hidden_linear", "b1"], "hidden_pre"),
                Node("Relu", ["hidden_pre"], "hidden"),
                Node("MatMul", ["hidden", "w2"], "output_linear"),
                Node("Add", ["output_linear", "b2"], FraudModelOnnx.RawScoreOutput),
                Node("Sigmoid", [FraudModelOnnx.RawScoreOutput], FraudModelOnnx.ProbabilityOutput),
            },
            Initializer =
            {
                Tensor("one", [], [1f]),
                Tensor("log_mask", [width], mask),
                Tensor("keep_mask", [width], keep),
                Tensor("mean", [width], mean),
                Tensor("inverse_std", [width], inverse),
                Tensor("low", [width], low),
                Tensor("high", [width], high),
                Tensor("w1", [width, hidden], w1T),
                Tensor("b1", [hidden], layout.ClassifierBias.Of(p).ToArray()),
                Tensor("w2", [hidden, 1], layout.OutputWeights.Of(p).ToArray()),
                Tensor("b2", [1], [bias2]),
            },
            Input = { FraudModelOnnx.FloatMatrix(FraudModelOnnx.InputName, width) },
            Output = { FraudModelOnnx.FloatMatrix(FraudModelOnnx.ProbabilityOutput, 1), FraudModelOnnx.FloatMatrix(FraudModelOnnx.RawScoreOutput, 1) },
        };
        var proto = new ModelProto
        {
            IrVersion = FraudModelOnnx.IrVersion,
            ProducerName = "FraudDetection.Training.Graph",
            ProducerVersion = typeof(ClassifierHeadOnnx).Assembly.GetName().Version?.ToString() ?? "1.0",
            Graph = graph,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = FraudModelOnnx.OnnxOpset } },
        };
        foreach (var (key, value) in metadata)
        {
            proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }
        return proto;
    }

    private static NodeProto Node(string op, string[] inputs, string output) => new()
    {
        Name = output,
        OpType = op,
        Input = { inputs },
        Output = { output },
    };

    private static TensorProto Tensor(string name, long[] dims, float[] values) => new()
    {
        Name = name,
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        FloatData = { values },
    };
}
