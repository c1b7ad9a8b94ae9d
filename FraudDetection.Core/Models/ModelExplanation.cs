using FraudDetection.Core.Messaging;

namespace FraudDetection.Core.Models;

/// <summary>
/// TreeSHAP for one row, in margin (log-odds) space: <see cref="Bias"/> (the expected margin) plus the sum of
/// <see cref="Contributions"/> (one per feature, in schema order) equals <see cref="Margin"/> = logit(probability).
/// </summary>
public sealed record ModelExplanation(IReadOnlyList<string> FeatureNames, double[] Contributions, double Bias)
{
    public double Margin => Bias + Contributions.Sum();

    /// <summary>The <paramref name="count"/> features that pushed the score furthest, largest |contribution| first.</summary>
    public IReadOnlyList<FeatureContribution> Top(ReadOnlySpan<float> row, int count)
    {
        var order = Enumerable.Range(0, Contributions.Length)
            .OrderByDescending(i => Math.Abs(Contributions[i]))
            .Take(Math.Max(0, count))
            .ToArray();
        var top = new FeatureContribution[order.Length];
        for (var k = 0; k < order.Length; k++)
        {
            var i = order[k];
            top[k] = new FeatureContribution(FeatureNames[i], row[i], (float)Contributions[i]);
        }
        return top;
    }
}
