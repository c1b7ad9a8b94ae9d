using FraudDetection.Core.Models.Trees;

namespace FraudDetection.Core.Models.Linear;

/// <summary>
/// A logistic-regression model on raw features: raw score = <see cref="Bias"/> + w · x, probability through
/// <see cref="Link"/>. <see cref="Means"/> (of the training rows) is the baseline of its exact SHAP values:
/// contribution_i = scale · w_i · (x_i − mean_i), which with the bias sum to the margin.
/// </summary>
public sealed class LinearModel
{
    public LinearModel(double[] weights, double bias, float[] means, LogisticLink link)
    {
        if (weights.Length == 0 || means.Length != weights.Length)
        {
            throw new ArgumentException("A linear model needs one weight and one mean per feature.");
        }
        Weights = weights;
        Bias = bias;
        Means = means;
        Link = link;
    }

    public double[] Weights { get; }
    public double Bias { get; }
    public float[] Means { get; }
    public LogisticLink Link { get; }
    public int FeatureCount => Weights.Length;

    public double RawScore(ReadOnlySpan<float> row)
    {
        var sum = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            sum += Weights[i] * row[i];
        }
        return sum;
    }

    public double Margin(ReadOnlySpan<float> row) => Link.Margin(RawScore(row));

    public double Probability(ReadOnlySpan<float> row) => LogisticLink.Sigmoid(Margin(row));

    /// <summary>Writes each feature's SHAP value (margin space) and returns the bias (the margin at the means).</summary>
    public double Explain(ReadOnlySpan<float> row, Span<double> contributions)
    {
        if (row.Length != FeatureCount || contributions.Length != FeatureCount)
        {
            throw new ArgumentException($"Expected {FeatureCount} features.");
        }
        var atMeans = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            atMeans += Weights[i] * Means[i];
            contributions[i] = Link.Scale * Weights[i] * ((double)row[i] - Means[i]);
        }
        return Link.Margin(atMeans);
    }
}
