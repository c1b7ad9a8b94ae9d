using System.Text.Json;
using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Export;

/// <summary>What goes into the ONNX file's metadata_props besides the trees.</summary>
public sealed record ModelCard(
    string SchemaVersion,
    IReadOnlyList<string> FeatureNames,
    double Threshold,
    string ModelVersion,
    string Trainer,
    IReadOnlyDictionary<string, string> Training);

/// <summary>The export's own check: ONNX Runtime and ML.NET disagree by more than the tolerance.</summary>
public sealed class OnnxParityException(string message) : Exception(message);

/// <summary>Result of the parity check.</summary>
public sealed record ParityReport(int Rows, double MaxAbsDifference, double Tolerance);

/// <summary>Writes model.onnx and proves ONNX Runtime scores as ML.NET does.</summary>
public static class OnnxExporter
{
    public const double ParityTolerance = 1e-5;

    public static IReadOnlyDictionary<string, string> Metadata(ModelCard card) => new Dictionary<string, string>
    {
        [FraudModelOnnx.Metadata.FeatureSchemaVersion] = card.SchemaVersion,
        [FraudModelOnnx.Metadata.FeatureNames] = JsonSerializer.Serialize(card.FeatureNames.ToArray(), TrainingJsonContext.Default.StringArray),
        [FraudModelOnnx.Metadata.Threshold] = card.Threshold.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        [FraudModelOnnx.Metadata.ModelVersion] = card.ModelVersion,
        [FraudModelOnnx.Metadata.Trainer] = card.Trainer,
        [FraudModelOnnx.Metadata.Training] = JsonSerializer.Serialize(card.Training.ToDictionary(), TrainingJsonContext.Default.DictionaryStringString),
    };

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="onnxPath"/>, then scores <paramref name="check"/> with ONNX
    /// Runtime and with ML.NET (its raw score through the same link); more than <see cref="ParityTolerance"/> apart on
    /// any row, and the file is deleted and <see cref="OnnxParityException"/> thrown.
    /// </summary>
    public static ParityReport Export(ITrainedModel model, ModelCard card, string onnxPath, TrainingSet check)
    {
        var temporary = onnxPath + ".tmp";
        using (var file = File.Create(temporary))
        {
            Google.Protobuf.MessageExtensions.WriteTo(model.ToOnnx(Metadata(card)), file);
        }
        try
        {
            double maxDiff = 0;
            if (check.Rows > 0)
            {
                var raw = model.MlNetRawScores(check);
                var onnx = new float[check.Rows];
                using (var loaded = FraudModel.Load(temporary, card.SchemaVersion, card.FeatureNames))
                {
                    loaded.Predict(check.Values, check.Rows, onnx);
                }
                for (var i = 0; i < check.Rows; i++)
                {
                    var expected = LogisticLink.Sigmoid(model.Link.Margin(raw[i]));
                    maxDiff = Math.Max(maxDiff, Math.Abs(expected - onnx[i]));
                }
            }
            if (!(maxDiff <= ParityTolerance))
            {
                throw new OnnxParityException($"ONNX Runtime and ML.NET differ by up to {maxDiff:G3} on {check.Rows} validation rows (tolerance {ParityTolerance:G1}); model not exported.");
            }
            File.Move(temporary, onnxPath, overwrite: true);
            return new ParityReport(check.Rows, maxDiff, ParityTolerance);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
