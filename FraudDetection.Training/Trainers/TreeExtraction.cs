using FraudDetection.Core.Models.Trees;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers.FastTree;
using CoreEnsemble = FraudDetection.Core.Models.Trees.TreeEnsemble;

namespace FraudDetection.Training.Trainers;

/// <summary>Turns ML.NET's trained trees (LightGBM or FastTree) and their Platt calibrator into a <see cref="CoreEnsemble"/>.</summary>
public static class TreeExtraction
{
    /// <summary>
    /// ML.NET's trees: inner node k splits on <c>NumericalSplitFeatureIndexes[k]</c>, <c>value &lt;= threshold</c> goes to
    /// <c>LeftChild[k]</c>; a negative child c is leaf ~c. Here inner nodes keep their index and leaf j becomes node
    /// (inner count + j). Tree weights are folded into the leaf values.
    /// </summary>
    public static CoreEnsemble FromMlNet<TTree>(TreeEnsemble<TTree> trained, PlattCalibrator calibrator, int featureCount,
        double priorCorrection = 0) where TTree : RegressionTreeBase
    {
        var trees = new List<DecisionTree>(trained.Trees.Count);
        for (var t = 0; t < trained.Trees.Count; t++)
        {
            var tree = trained.Trees[t];
            var weight = trained.TreeWeights[t];
            if (tree.CategoricalSplitFlags.Any(flag => flag))
            {
                throw new NotSupportedException("Categorical splits cannot be exported; train with categorical splits off.");
            }
            var inner = tree.NumberOfNodes;
            var leaves = tree.NumberOfLeaves;
            var n = inner + leaves;
            var feature = new int[n];
            var threshold = new float[n];
            var left = new int[n];
            var right = new int[n];
            var value = new double[n];
            int Node(int child) => child >= 0 ? child : inner + ~child;
            for (var k = 0; k < inner; k++)
            {
                feature[k] = tree.NumericalSplitFeatureIndexes[k];
                threshold[k] = tree.NumericalSplitThresholds[k];
                left[k] = Node(tree.LeftChild[k]);
                right[k] = Node(tree.RightChild[k]);
            }
            for (var j = 0; j < leaves; j++)
            {
                feature[inner + j] = -1;
                value[inner + j] = tree.LeafValues[j] * weight;
            }
            trees.Add(new DecisionTree(feature, threshold, left, right, value, new double[n]));
        }
        // ML.NET's Platt calibrator: p = 1 / (1 + exp(Slope * raw + Offset)) = sigmoid(-Slope * raw - Offset).
        var link = new LogisticLink(-calibrator.Slope, -calibrator.Offset + priorCorrection);
        return new CoreEnsemble(trees, trained.Bias, link, featureCount);
    }
}
