using System.Globalization;
using System.Text.Json;
using FraudDetection.Core.Features;
using FraudDetection.Core.Models.Linear;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FraudDetection.Core.Models;

/// <summary>
/// A fraud model loaded from ONNX for scoring: batched <see cref="Predict(ReadOnlySpan{float}, int, Span{float})"/>
/// through ONNX Runtime, and exact TreeSHAP <see cref="Explain(ReadOnlySpan{float})"/> from the trees read back from
/// the graph. A foreign binary classifier (any ONNX model with one float input [N, F], a probability output, and the
/// feature schema in its metadata_props) scores too, without explanations. Thread-safe; dispose when replaced.
/// </summary>
public sealed class FraudModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _probabilityColumns; // 1: [N] or [N,1] probability; 2: [N,2] class probabilities (take column 1)
    private readonly bool _writesInPlace;
    private readonly TreeEnsemble? _ensemble;
    private readonly LinearModel? _linear;
    private FeatureSchema? _schema;

    private FraudModel(string path, InferenceSession session, ModelProto proto, string schemaVersion, IReadOnlyList<string> featureNames)
    {
        Path = path;
        _session = session;
        SchemaVersion = schemaVersion;
        FeatureNames = featureNames;
        Metadata = proto.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);

        var input = session.InputMetadata.First();
        _inputNames = [input.Key];
        var (output, columns) = PickProbabilityOutput(session);
        _outputNames = [output];
        _probabilityColumns = columns;
        // Our own export declares probability [N, 1]: ONNX Runtime writes straight into the caller's span.
        _writesInPlace = output == FraudModelOnnx.ProbabilityOutput && session.OutputMetadata[output].Dimensions is [_, 1];

        Threshold = Metadata.TryGetValue(FraudModelOnnx.Metadata.Threshold, out var t)
            && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var threshold) ? threshold : 0.5;
        Version = Metadata.TryGetValue(FraudModelOnnx.Metadata.ModelVersion, out var v) && v.Length > 0
            ? v
            : System.IO.Path.GetFileNameWithoutExtension(path) + (proto.ModelVersion != 0 ? $"-{proto.ModelVersion}" : "");
        Trainer = Metadata.GetValueOrDefault(FraudModelOnnx.Metadata.Trainer, proto.ProducerName);
        var ensemble = OnnxModelReader.ReadEnsemble(proto);
        _ensemble = ensemble is { HasCover: true } && ensemble.FeatureCount == featureNames.Count ? ensemble : null;
        var linear = _ensemble is null ? OnnxModelReader.ReadLinear(proto) : null;
        _linear = linear?.FeatureCount == featureNames.Count ? linear : null;
    }

    public string Path { get; }
    public string Version { get; }
    public double Threshold { get; }
    public string Trainer { get; }
    public string SchemaVersion { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    /// <summary>The feature schema the model was trained on (checked equal to the expected one at load).</summary>
    public FeatureSchema Schema => _schema ??= new FeatureSchema(SchemaVersion, FeatureNames);
    public int FeatureCount => FeatureNames.Count;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>True when the model's trees and covers (or linear weights and means) are known, so <see cref="Explain(ReadOnlySpan{float})"/> works.</summary>
    public bool CanExplain => _ensemble is not null || _linear is not null;
    /// <summary>The trees read back from the graph (null for a foreign model).</summary>
    public TreeEnsemble? Ensemble => _ensemble;

    /// <summary>
    /// Loads <paramref name="onnxPath"/> and checks it was built for exactly <paramref name="expected"/>
    /// (version and ordered names); anything else throws <see cref="ModelSchemaMismatchException"/>.
    /// </summary>
    public static FraudModel Load(string onnxPath, FeatureSchema expected, SessionOptions? options = null) =>
        Load(onnxPath, expected.Version, expected.Names, options);

    /// <summary>
    /// Loads <paramref name="onnxPath"/>, a model trained on all the current features or on a selection of them
    /// (<see cref="FeatureSchema.IsSelectionOf"/>), and checks that every feature it uses is one
    /// <paramref name="computable"/> computes (a service without the merchant stage, or without an input, refuses a
    /// model that needs it); anything else throws <see cref="ModelSchemaMismatchException"/>. Its input columns are
    /// <c>Schema.ColumnsIn(FeatureSchema.Current)</c> of a full feature row.
    /// </summary>
    public static FraudModel Load(string onnxPath, FeatureSelection computable, SessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(computable);
        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException($"No model at {onnxPath}.", onnxPath);
        }
        var (version, names) = ReadSchema(onnxPath, OnnxModelReader.ReadModel(onnxPath), FeatureSchema.Current.Version, FeatureSchema.Current.Names);
        var schema = new FeatureSchema(version, names);
        if (!schema.Equals(FeatureSchema.Current) && !schema.IsSelectionOf(FeatureSchema.Current))
        {
            throw new ModelSchemaMismatchException(version.Split('+')[0] != FeatureSchema.SemanticVersion
                ? $"Model {onnxPath} was trained on feature schema '{version}' but this service computes '{FeatureSchema.Current.Version}'; retrain or deploy a matching model."
                : $"Model {onnxPath} has schema version '{version}', which is not the current schema '{FeatureSchema.Current.Version}' nor a selection of its features; retrain.");
        }
        var missing = names.Where(n => computable.Schema.IndexOf(n) < 0).ToList();
        if (missing.Count > 0)
        {
            throw new ModelSchemaMismatchException(
                $"Model {onnxPath} uses {missing.Count} feature(s) this service does not compute ({computable}): {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? ", …" : "")}.");
        }
        return Load(onnxPath, version, names, options);
    }

    /// <summary>
    /// Loads <paramref name="onnxPath"/> and checks it was built for exactly this feature schema
    /// (version and ordered names); anything else throws <see cref="ModelSchemaMismatchException"/>.
    /// </summary>
    public static FraudModel Load(string onnxPath, string schemaVersion, IReadOnlyList<string> featureNames, SessionOptions? options = null)
    {
        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException($"No model at {onnxPath}.", onnxPath);
        }
        var proto = OnnxModelReader.ReadModel(onnxPath);
        CheckSchema(onnxPath, proto, schemaVersion, featureNames);

        var ownOptions = options is null;
        options ??= new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        try
        {
            var session = new InferenceSession(onnxPath, options);
            try
            {
                CheckInput(onnxPath, session, featureNames.Count);
                return new FraudModel(onnxPath, session, proto, schemaVersion, featureNames);
            }
            catch
            {
                session.Dispose();
                throw;
            }
        }
        finally
        {
            if (ownOptions)
            {
                options.Dispose();
            }
        }
    }

    /// <summary>
    /// Scores <paramref name="rows"/> rows laid out row-major in <paramref name="rowsTimesFeatures"/> and writes
    /// the fraud probabilities into <paramref name="probabilities"/>. Runs ONNX Runtime directly on the caller's
    /// memory (pinned, no copy) for models that output [N, 1].
    /// </summary>
    public unsafe void Predict(ReadOnlySpan<float> rowsTimesFeatures, int rows, Span<float> probabilities)
    {
        if (rows == 0)
        {
            return;
        }
        if (rows < 0 || rowsTimesFeatures.Length < rows * FeatureCount || probabilities.Length < rows)
        {
            throw new ArgumentException($"Expected {rows} x {FeatureCount} features and room for {rows} probabilities.");
        }
        fixed (float* input = rowsTimesFeatures)
        fixed (float* output = probabilities)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                [rows, FeatureCount], (IntPtr)input, (long)rows * FeatureCount * sizeof(float));
            if (_writesInPlace)
            {
                using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                    [rows, 1], (IntPtr)output, (long)rows * sizeof(float));
                _session.Run(_runOptions, _inputNames, [inputValue], _outputNames, [outputValue]);
                return;
            }
            using var results = _session.Run(_runOptions, _inputNames, [inputValue], _outputNames);
            var scores = results[0].GetTensorDataAsSpan<float>();
            for (var r = 0; r < rows; r++)
            {
                probabilities[r] = scores[r * _probabilityColumns + _probabilityColumns - 1];
            }
        }
    }

    /// <summary>The fraud probability of one row.</summary>
    public float Predict(ReadOnlySpan<float> row)
    {
        Span<float> probability = stackalloc float[1];
        Predict(row, 1, probability);
        return probability[0];
    }

    /// <summary>The logistic-regression model read back from the graph (null for tree and foreign models).</summary>
    public LinearModel? Linear => _linear;

    /// <summary>Exact TreeSHAP (linear SHAP for a logistic model) of one row; throws when <see cref="CanExplain"/> is false (a foreign model).</summary>
    public ModelExplanation Explain(ReadOnlySpan<float> row)
    {
        var contributions = new double[FeatureCount];
        var bias = Explain(row, contributions);
        return new ModelExplanation(FeatureNames, contributions, bias);
    }

    /// <summary>Writes each feature's TreeSHAP contribution into <paramref name="contributions"/> and returns the bias.</summary>
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        if (_ensemble is not null)
        {
            return TreeShap.Explain(_ensemble, row, contributions);
        }
        if (_linear is not null)
        {
            return _linear.Explain(row, contributions);
        }
        throw new InvalidOperationException($"Model {Version} has no trees with covers (a foreign model?), so no SHAP explanation.");
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static void CheckSchema(string path, ModelProto proto, string expectedVersion, IReadOnlyList<string> expectedNames)
    {
        var (version, names) = ReadSchema(path, proto, expectedVersion, expectedNames);
        if (version != expectedVersion)
        {
            throw new ModelSchemaMismatchException(
                $"Model {path} was trained on feature schema '{version}' but this service computes '{expectedVersion}'; retrain or deploy a matching model.");
        }
        if (!names.SequenceEqual(expectedNames))
        {
            var firstDiff = Enumerable.Range(0, Math.Min(names.Length, expectedNames.Count)).FirstOrDefault(i => names[i] != expectedNames[i], -1);
            var detail = names.Length != expectedNames.Count
                ? $"{names.Length} features instead of {expectedNames.Count}"
                : $"feature {firstDiff} is '{names[firstDiff]}' instead of '{expectedNames[firstDiff]}'";
            throw new ModelSchemaMismatchException($"Model {path} has schema version '{version}' but its feature names differ: {detail}.");
        }
    }

    private static (string Version, string[] Names) ReadSchema(string path, ModelProto proto, string expectedVersion, IReadOnlyList<string> expectedNames)
    {
        var props = proto.MetadataProps.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value);
        if (!props.TryGetValue(FraudModelOnnx.Metadata.FeatureSchemaVersion, out var version)
            || !props.TryGetValue(FraudModelOnnx.Metadata.FeatureNames, out var namesJson))
        {
            throw new ModelSchemaMismatchException(
                $"Model {path} carries no feature schema: add metadata_props '{FraudModelOnnx.Metadata.FeatureSchemaVersion}' " +
                $"(= '{expectedVersion}') and '{FraudModelOnnx.Metadata.FeatureNames}' (JSON array of the {expectedNames.Count} feature names in input order).");
        }
        try
        {
            return (version, JsonSerializer.Deserialize(namesJson, OnnxJsonContext.Default.StringArray) ?? []);
        }
        catch (JsonException e)
        {
            throw new ModelSchemaMismatchException($"Model {path}: metadata '{FraudModelOnnx.Metadata.FeatureNames}' is not a JSON array of strings ({e.Message}).");
        }
    }

    private static void CheckInput(string path, InferenceSession session, int featureCount)
    {
        if (session.InputMetadata.Count != 1)
        {
            throw new ModelSchemaMismatchException($"Model {path} has {session.InputMetadata.Count} inputs; a fraud model has one float input [N, {featureCount}].");
        }
        var input = session.InputMetadata.First().Value;
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float || input.Dimensions.Length != 2
            || (input.Dimensions[1] > 0 && input.Dimensions[1] != featureCount))
        {
            throw new ModelSchemaMismatchException(
                $"Model {path} input is {input.ElementDataType} [{string.Join(", ", input.Dimensions)}]; expected float [N, {featureCount}].");
        }
    }

    private static (string Name, int Columns) PickProbabilityOutput(InferenceSession session)
    {
        if (session.OutputMetadata.TryGetValue(FraudModelOnnx.ProbabilityOutput, out var own) && own.IsTensor)
        {
            return (FraudModelOnnx.ProbabilityOutput, 1);
        }
        // A foreign classifier: the float tensor [N, 2] of class probabilities (e.g. "probabilities" from
        // skl2onnx/onnxmltools with zipmap off), else a float [N] / [N, 1] score.
        foreach (var (name, meta) in session.OutputMetadata)
        {
            if (meta.IsTensor && meta.ElementDataType == TensorElementType.Float && meta.Dimensions is [_, 2])
            {
                return (name, 2);
            }
        }
        foreach (var (name, meta) in session.OutputMetadata)
        {
            if (meta.IsTensor && meta.ElementDataType == TensorElementType.Float && meta.Dimensions is [_] or [_, 1])
            {
                return (name, 1);
            }
        }
        throw new ModelSchemaMismatchException(
            "The model has no float probability output ([N, 1] named 'probability', or class probabilities [N, 2]); " +
            "convert classifiers with ZipMap disabled.");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string[]))]
internal sealed partial class OnnxJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
