using System.Globalization;
using FraudDetection.Core.Models.Linear;
using FraudDetection.Core.Models.Onnx;
using FraudDetection.Core.Models.Trees;
using FraudDetection.Training.Evaluation;
using FraudDetection.Training.Export;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace FraudDetection.Training.Trainers;

/// <summary>A logistic regression trained on standardized features and folded back onto raw features.</summary>
public sealed class TrainedLinear(LinearModel model, ITransformer mlModel, MLContext ml, float[] means, float[] scales, IReadOnlyList<double> importance, double l2) : ITrainedModel
{
    public LinearModel Model { get; } = model;
    public int FeatureCount => Model.FeatureCount;
    public LogisticLink Link => Model.Link;
    public IReadOnlyDictionary<string, string> ParameterValues => new Dictionary<string, string>
    {
        ["l2"] = l2.ToString("G4", CultureInfo.InvariantCulture),
        ["standardized"] = "true",
    };
    public IReadOnlyList<double> ImportanceByFeature => importance;
    public double Probability(ReadOnlySpan<float> row) => Model.Probability(row);
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions) => Model.Explain(row, contributions);

    public IReadOnlyList<double> ValidationCurve(TrainingSet valid)
    {
        var scores = new float[valid.Rows];
        for (var i = 0; i < valid.Rows; i++)
        {
            scores[i] = (float)Model.Probability(valid.Row(i));
        }
        return [Math.Round(BinaryMetrics.AveragePrecision(scores, valid.Labels), 6)];
    }

    public ModelProto ToOnnx(IReadOnlyDictionary<string, string> metadata) => LinearModelOnnx.ToModel(Model, metadata);

    public float[] MlNetRawScores(TrainingSet data)
    {
        var scored = mlModel.Transform(EnsembleTrainer.ToDataView(ml, LinearTrainer.Standardize(data, means, scales)));
        return [.. scored.GetColumn<float>("Score")];
    }
}

/// <summary>ML.NET L-BFGS logistic regression (the <c>logistic</c> trainer): a linear baseline beside the trees.</summary>
public static class LinearTrainer
{
    public static TrainedLinear Train(TrainingSet train, HyperParameters p, int seed, double priorCorrection, int threads = 0)
    {
        var f = train.FeatureCount;
        var means = new float[f];
        var scales = new float[f];
        for (var j = 0; j < f; j++)
        {
            double sum = 0, squares = 0;
            for (var i = 0; i < train.Rows; i++)
            {
                double v = train.Values[i * f + j];
                sum += v;
                squares += v * v;
            }
            var mean = sum / Math.Max(1, train.Rows);
            var std = Math.Sqrt(Math.Max(0, squares / Math.Max(1, train.Rows) - mean * mean));
            means[j] = (float)mean;
            scales[j] = std > 1e-9 ? (float)std : 1f;
        }
        var ml = new MLContext(seed);
        var trainer = ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            L2Regularization = (float)p.L2,
            NumberOfThreads = threads > 0 ? threads : Environment.ProcessorCount,
        });
        var fitted = trainer.Fit(EnsembleTrainer.ToDataView(ml, Standardize(train, means, scales)));
        var weights = fitted.Model.SubModel.Weights;
        var calibrator = (PlattCalibrator)fitted.Model.Calibrator;
        // Fold the standardization in: w·((x − m)/s) + b = (w/s)·x + (b − Σ w·m/s).
        var raw = new double[f];
        double bias = fitted.Model.SubModel.Bias;
        var importance = new double[f];
        for (var j = 0; j < f; j++)
        {
            raw[j] = weights[j] / scales[j];
            bias -= weights[j] * means[j] / scales[j];
            importance[j] = Math.Abs(weights[j]);
        }
        var link = new LogisticLink(-calibrator.Slope, -calibrator.Offset + priorCorrection);
        return new TrainedLinear(new LinearModel(raw, bias, means, link), fitted, ml, means, scales, importance, p.L2);
    }

    internal static TrainingSet Standardize(TrainingSet data, float[] means, float[] scales)
    {
        var f = data.FeatureCount;
        var values = new float[data.Rows * f];
        for (var i = 0; i < data.Rows; i++)
        {
            for (var j = 0; j < f; j++)
            {
                values[i * f + j] = (data.Values[i * f + j] - means[j]) / scales[j];
            }
        }
        return new TrainingSet(f, values, data.Labels, data.Times, data.Cards, data.TransNums);
    }
}
