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
/// Real models for the scoring tests: small LightGBM ensembles trained once per test run on the bundled sample
/// through the training library, exported to ONNX, loaded with the production loader. A and B use the card features
/// (a selection of the schema: Scoring picks their columns out of full rows, and needs no merchant stage); M uses
/// every feature, merchant features included.
/// </summary>
public static class ScoringModels
{
    private static readonly Lazy<(string A, string B)> Trained = new(Train, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> TrainedWithMerchants = new(TrainWithMerchants, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Model directory (model.onnx) of the first model.</summary>
    public static string ModelA => Trained.Value.A;

    /// <summary>Model directory of the second model (other trees: different scores).</summary>
    public static string ModelB => Trained.Value.B;

    /// <summary>Model directory of a model that reads merchant features (Scoring must join the merchant table).</summary>
    public static string ModelM => TrainedWithMerchants.Value;

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
        var root = Root();
        var matrix = FeatureMatrix.Build(Sample(), new OnlineFeatureState(selection: FeatureSelection.Parse(FeatureGroups.Card)));
        var set = TrainingSet.From(matrix);
        return (Export(set, matrix.Schema, root, "a", new HyperParameters(Trees: 30, Leaves: 15, MinDataInLeaf: 20), seed: 1),
                Export(set, matrix.Schema, root, "b", new HyperParameters(Trees: 12, Leaves: 7, MinDataInLeaf: 40), seed: 2));
    }

    private static string TrainWithMerchants()
    {
        var matrix = FeatureMatrix.Build(Sample());
        return Export(TrainingSet.From(matrix), matrix.Schema, Root(), "m", new HyperParameters(Trees: 30, Leaves: 15, MinDataInLeaf: 20), seed: 3);
    }

    private static List<Transaction> Sample() =>
        [.. TransactionCsv.ReadFile(Path.Combine(RepositoryRoot(), "data", "sample.csv.gz")).Take(25_000)];

    private static string Root()
    {
        var root = Directory.CreateTempSubdirectory("scoring-test-models-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    }

    private static string Export(TrainingSet set, FeatureSchema schema, string root, string name, HyperParameters parameters, int seed)
    {
        var trained = EnsembleTrainer.Train(TrainerKind.LightGbm, set, parameters, seed, priorCorrection: 0, threads: 1);
        var directory = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        var card = new ModelCard(schema.Version, schema.Names, 0.5, "test-" + name, "lightgbm", parameters.ToDictionary());
        OnnxExporter.Export(trained, card, Path.Combine(directory, ModelRegistryNames.OnnxFileName), set.Slice(0, 500));
        // The drift reference a training run writes, here from the last 5,000 rows (Scoring's drift check reads it).
        var tail = set.Slice(set.Rows - 5_000, 5_000);
        var importance = schema.Names.Select((feature, i) => new NamedValue(feature, trained.ImportanceByFeature[i]));
        DriftReferenceExport.Write(directory, card.ModelVersion, tail, ModelTrainer.Score(trained, tail), schema.Names, importance, card.Threshold);
        return directory;
    }
}
