using FraudDetection.Core.Features;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Features;
using FraudDetection.Training.Export;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Scoring;

/// <summary>
/// Real models for the scoring tests: two small LightGBM ensembles trained once per test run on the bundled
/// sample through the training library, exported to ONNX, loaded with the production loader.
/// </summary>
public static class ScoringModels
{
    private static readonly Lazy<(string A, string B)> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Model directory (model.onnx) of the first model.</summary>
    public static string ModelA => Trained.Value.A;

    /// <summary>Model directory of the second model (other trees: different scores).</summary>
    public static string ModelB => Trained.Value.B;

    public static IFeaturePipeline Pipeline() => new OnlineFeaturePipeline();

    public static IScoringModelLoader Loader() => new OnnxModelLoader();

    public static string RepositoryRoot() => RepoPaths.Root;

    /// <summary>Real Kaggle rows (fraudTest head), in file (time) order.</summary>
    public static List<Transaction> KaggleRows(int count) =>
        [.. TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).Take(count)];

    /// <summary>A registry folder with <paramref name="modelDirectory"/> registered and made champion.</summary>
    public static async Task<FileModelRegistry> RegistryWithChampionAsync(string registryDirectory, string modelDirectory)
    {
        var registry = new FileModelRegistry(registryDirectory);
        var version = await registry.RegisterAsync(modelDirectory, new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, version.Version);
        return registry;
    }

    private static (string, string) Train()
    {
        var root = Directory.CreateTempSubdirectory("scoring-test-models-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        var sample = TransactionCsv.ReadFile(Path.Combine(RepositoryRoot(), "data", "sample.csv.gz")).Take(25_000).ToList();
        var set = TrainingSet.From(FeatureMatrix.Build(sample));
        return (Export(set, root, "a", new HyperParameters(Trees: 30, Leaves: 15, MinDataInLeaf: 20), seed: 1),
                Export(set, root, "b", new HyperParameters(Trees: 12, Leaves: 7, MinDataInLeaf: 40), seed: 2));
    }

    private static string Export(TrainingSet set, string root, string name, HyperParameters parameters, int seed)
    {
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, set, parameters, seed, priorCorrection: 0, threads: 1);
        var directory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        var card = new ModelCard(FeatureSchema.Current.Version, FeatureSchema.Current.Names, 0.5, "test-" + name, "lightgbm", parameters.ToDictionary());
        OnnxExporter.Export(trained, card, Path.Combine(directory, ModelRegistryNames.OnnxFileName), set.Slice(0, 500));
        return directory;
    }
}
