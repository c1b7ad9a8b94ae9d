using FraudDetection.Core.Models;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Export;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;
using CoreEnsemble = FraudDetection.Core.Models.Trees.TreeEnsemble;

namespace FraudDetection.Training.Trainers;

/// <summary>A trained model: the trees (with covers from the rows it was trained on) and ML.NET's own scorer for the parity check.</summary>
public sealed class TrainedEnsemble(CoreEnsemble ensemble, ITransformer mlModel, MLContext ml, IReadOnlyList<double> gainByFeature, HyperParameters parameters) : ITrainedModel
{
    public CoreEnsemble Ensemble { get; } = ensemble;
    public HyperParameters Parameters { get; } = parameters;
    /// <summary>Total split gain per feature (schema order).</summary>
    public IReadOnlyList<double> GainByFeature { get; } = gainByFeature;

    public int FeatureCount => Ensemble.FeatureCount;
    public LogisticLink Link => Ensemble.Link;
    public IReadOnlyDictionary<string, string> ParameterValues => Parameters.ToDictionary();
    public IReadOnlyList<double> ImportanceByFeature => GainByFeature;
    public double Probability(ReadOnlySpan<float> row) => Ensemble.Probability(row);
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions) => TreeShap.Explain(Ensemble, row, contributions);
    public IReadOnlyList<double> ValidationCurve(TrainingSet valid) => ModelTrainer.ValidationCurve(Ensemble, valid);
    public ModelProto ToOnnx(IReadOnlyDictionary<string, string> metadata) => TreeEnsembleOnnx.ToModel(Ensemble, metadata);

    /// <summary>ML.NET's raw tree score ("Score" column) for each row of <paramref name="data"/>.</summary>
    public float[] MlNetRawScores(TrainingSet data)
    {
        var scored = mlModel.Transform(EnsembleTrainer.ToDataView(ml, data));
        return [.. scored.GetColumn<float>("Score")];
    }

    /// <summary>ML.NET's calibrated probability ("Probability" column), before any prior correction.</summary>
    public float[] MlNetProbabilities(TrainingSet data)
    {
        var scored = mlModel.Transform(EnsembleTrainer.ToDataView(ml, data));
        return [.. scored.GetColumn<float>("Probability")];
    }
}

/// <summary>Trains a gradient-boosted tree ensemble with ML.NET (LightGBM or FastTree) on a feature matrix.</summary>
public static class EnsembleTrainer
{
    private sealed class Row
    {
        public bool Label { get; set; }
        public float[] Features { get; set; } = [];
    }

    public static IDataView ToDataView(MLContext ml, TrainingSet data)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.FeatureCount);
        return ml.Data.LoadFromEnumerable(Rows(data), schema);
    }

    private static IEnumerable<Row> Rows(TrainingSet data)
    {
        // One reused row per enumeration: ML.NET copies the vector out in its getter.
        var row = new Row { Features = new float[data.FeatureCount] };
        for (var i = 0; i < data.Rows; i++)
        {
            row.Label = data.Labels[i];
            data.Row(i).CopyTo(row.Features);
            yield return row;
        }
    }

    /// <summary>
    /// Trains on <paramref name="train"/>; <paramref name="priorCorrection"/> (ln of the negative sampling rate) is
    /// added to the link so probabilities are calibrated to the natural fraud rate again.
    /// </summary>
    public static TrainedEnsemble Train(TrainerKind kind, TrainingSet train, HyperParameters p, int seed, double priorCorrection, int threads = 0)
    {
        var ml = new MLContext(seed);
        var data = ToDataView(ml, train);
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        CoreEnsemble ensemble;
        ITransformer model;
        double[] gains = new double[train.FeatureCount];
        switch (kind)
        {
            case TrainerKind.LightGbm:
            {
                var trainer = ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
                {
                    NumberOfIterations = p.Trees,
                    NumberOfLeaves = p.Leaves,
                    LearningRate = p.LearningRate,
                    MinimumExampleCountPerLeaf = p.MinDataInLeaf,
                    MaximumBinCountPerFeature = p.MaxBin,
                    UseCategoricalSplit = false,
                    HandleMissingValue = false,
                    NumberOfThreads = threads,
                    Seed = seed,
                    Deterministic = true,
                    Silent = true,
                    Verbose = false,
                    Booster = new GradientBooster.Options
                    {
                        FeatureFraction = p.FeatureFraction,
                        SubsampleFraction = p.BaggingFraction,
                        SubsampleFrequency = p.BaggingFraction < 1 ? 1 : 0,
                        L2Regularization = p.L2,
                    },
                });
                var fitted = trainer.Fit(data);
                model = fitted;
                var calibrated = fitted.Model;
                ensemble = TreeExtraction.FromMlNet(calibrated.SubModel.TrainedTreeEnsemble, (PlattCalibrator)calibrated.Calibrator, train.FeatureCount, priorCorrection);
                AddGains(calibrated.SubModel.TrainedTreeEnsemble, gains);
                break;
            }
            case TrainerKind.FastTree:
            {
                var trainer = ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
                {
                    NumberOfTrees = p.Trees,
                    NumberOfLeaves = p.Leaves,
                    LearningRate = p.LearningRate,
                    MinimumExampleCountPerLeaf = p.MinDataInLeaf,
                    MaximumBinCountPerFeature = p.MaxBin,
                    FeatureFraction = p.FeatureFraction,
                    BaggingExampleFraction = p.BaggingFraction,
                    BaggingSize = p.BaggingFraction < 1 ? 1 : 0,
                    CategoricalSplit = false,
                    NumberOfThreads = threads,
                    Seed = seed,
                });
                var fitted = trainer.Fit(data);
                model = fitted;
                var calibrated = fitted.Model;
                ensemble = TreeExtraction.FromMlNet(calibrated.SubModel.TrainedTreeEnsemble, (PlattCalibrator)calibrated.Calibrator, train.FeatureCount, priorCorrection);
                AddGains(calibrated.SubModel.TrainedTreeEnsemble, gains);
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
        ensemble = ensemble.WithCoverFrom(train.Values, train.Rows);
        return new TrainedEnsemble(ensemble, model, ml, gains, p);
    }

    private static void AddGains<TTree>(TreeEnsemble<TTree> trained, double[] gains) where TTree : RegressionTreeBase
    {
        foreach (var tree in trained.Trees)
        {
            for (var k = 0; k < tree.NumberOfNodes; k++)
            {
                gains[tree.NumericalSplitFeatureIndexes[k]] += tree.SplitGains[k];
            }
        }
    }
}
