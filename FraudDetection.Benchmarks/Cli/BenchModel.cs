using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FraudDetection.Core.Features;
using FraudDetection.Core.Hosting;
using FraudDetection.Core.Models;
using FraudDetection.Training.Export;
using FraudDetection.Training.Trainers;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.Benchmarks.Cli;

/// <summary>
/// A model of the champion's size for benchmarks that need one and are given none: LightGBM 200 trees × 31 leaves
/// trained through the training library on the first 60,000 rows of the data, cached under
/// <c>{DataDirectory}/scoring-bench/</c> so later runs on the same data reuse it (the file is named by those rows, so
/// another data set trains its own: a model trained elsewhere alerts at another rate, and alerts cost explanations).
/// </summary>
public static class BenchModel
{
    private const int TrainingRows = 60_000;

    private static readonly HyperParameters Parameters = new(Trees: 200, Leaves: 31, MinDataInLeaf: 50);

    public static string Description => $"LightGBM {Parameters.Trees} trees x {Parameters.Leaves} leaves trained on {TrainingRows:N0} rows";

    /// <summary>The data directory as the services see it: FraudDetection__DataDirectory, else .data at the repository root.</summary>
    public static IConfiguration DataConfiguration() => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [DataPaths.ConfigurationKey] = Path.Combine(RepositoryFiles.Root(), DataPaths.DefaultDirectory) })
        .AddEnvironmentVariables().Build();

    /// <summary>
    /// The cached model's ONNX file, trained from <paramref name="rows"/> first when missing, on the features of
    /// <paramref name="features"/> (default: all).
    /// </summary>
    public static string Ensure(IConfiguration configuration, IReadOnlyList<Transaction> rows, FeatureSelection? features = null)
    {
        features ??= FeatureSelection.All;
        var training = rows.Take(TrainingRows).ToList();
        var onnx = Path.Combine(DataPaths.Sub(configuration, "scoring-bench"),
            $"lightgbm-{Parameters.Trees}x{Parameters.Leaves}-{features.Schema.Version}-{DataKey(training)}.onnx");
        if (File.Exists(onnx))
        {
            return onnx;
        }
        var clock = Stopwatch.StartNew();
        var matrix = FeatureMatrix.Build(training, new OnlineFeatureState(selection: features));
        var set = TrainingSet.From(matrix);
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, set, Parameters, seed: 1, priorCorrection: 0);
        var temporary = onnx + ".partial";
        OnnxExporter.Export(trained, new ModelCard(matrix.Schema.Version, matrix.Schema.Names, 0.5, "bench", "lightgbm", Parameters.ToDictionary()),
            temporary, set.Slice(0, 1000));
        File.Move(temporary, onnx, overwrite: true);
        Console.WriteLine($"trained the bench model in {clock.Elapsed.TotalSeconds:0.0} s");
        return onnx;
    }

    /// <summary>12 hex digits of a SHA-256 over the training rows' transaction numbers: which data the model learned from.</summary>
    public static string DataKey(IEnumerable<Transaction> training)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var row in training)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(row.TransNum));
            hash.AppendData("\n"u8);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
