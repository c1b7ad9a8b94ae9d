using FraudDetection.Training.Trainers;

namespace FraudDetection.Training.Explanation;

/// <summary>TreeSHAP values for a sample of rows: the data behind mean |SHAP| and the beeswarm plot.</summary>
public sealed class ShapSummary
{
    private ShapSummary(int[] rows, double[] values, float[] features, int featureCount)
    {
        Rows = rows;
        Values = values;
        Features = features;
        FeatureCount = featureCount;
    }

    /// <summary>Indexes (into the source set) of the explained rows.</summary>
    public int[] Rows { get; }
    /// <summary>Row-major SHAP values (margin space), one row per explained row.</summary>
    public double[] Values { get; }
    /// <summary>Row-major feature values of the explained rows.</summary>
    public float[] Features { get; }
    public int FeatureCount { get; }

    public double[] MeanAbs()
    {
        var mean = new double[FeatureCount];
        for (var r = 0; r < Rows.Length; r++)
        {
            for (var f = 0; f < FeatureCount; f++)
            {
                mean[f] += Math.Abs(Values[r * FeatureCount + f]);
            }
        }
        for (var f = 0; f < FeatureCount; f++)
        {
            mean[f] /= Math.Max(1, Rows.Length);
        }
        return mean;
    }

    /// <summary>Explains up to <paramref name="maxRows"/> rows: every fraud up to a quarter of them, the rest drawn at random (seeded).</summary>
    public static ShapSummary Compute(ITrainedModel model, TrainingSet data, int maxRows, int seed)
    {
        var random = new Random(seed);
        var frauds = Enumerable.Range(0, data.Rows).Where(i => data.Labels[i]).ToArray();
        var others = Enumerable.Range(0, data.Rows).Where(i => !data.Labels[i]).ToArray();
        random.Shuffle(frauds);
        random.Shuffle(others);
        var take = Math.Min(frauds.Length, maxRows / 4);
        var rows = frauds.Take(take).Concat(others.Take(Math.Max(0, maxRows - take))).Order().ToArray();
        var f = data.FeatureCount;
        var values = new double[rows.Length * f];
        var features = new float[rows.Length * f];
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, r =>
        {
            var row = data.Row(rows[r]);
            model.Explain(row, values.AsSpan(r * f, f));
            row.CopyTo(features.AsSpan(r * f, f));
        });
        return new ShapSummary(rows, values, features, f);
    }
}
