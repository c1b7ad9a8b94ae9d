namespace FraudDetection.Core.Features;

/// <summary>
/// From full feature rows (<see cref="FeatureSchema.Current"/>, what the pipeline computes) to the columns a model
/// was trained on (a selection), and model-column values back to full width.
/// </summary>
public sealed class FeatureProjection
{
    private readonly int[] _columns;

    public FeatureProjection(FeatureSchema model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Equals(FeatureSchema.Current) && !model.IsSelectionOf(FeatureSchema.Current))
        {
            throw new ArgumentException($"Feature schema {model} is not the current schema nor a selection of it.", nameof(model));
        }
        _columns = model.ColumnsIn(FeatureSchema.Current);
        IsIdentity = _columns.Length == FeatureSchema.Current.Count;
    }

    /// <summary>The model uses every feature in order: rows pass through unchanged.</summary>
    public bool IsIdentity { get; }

    public int ModelColumns => _columns.Length;

    /// <summary>Copies the model's columns of <paramref name="rows"/> full rows into <paramref name="into"/> (row-major).</summary>
    public void Project(ReadOnlySpan<float> fullRows, int rows, Span<float> into)
    {
        var full = FeatureSchema.Current.Count;
        var k = _columns.Length;
        for (var r = 0; r < rows; r++)
        {
            var source = fullRows.Slice(r * full, full);
            var target = into.Slice(r * k, k);
            for (var c = 0; c < k; c++) target[c] = source[_columns[c]];
        }
    }

    /// <summary>Per-model-column values as a full-width array (0 for the features the model does not use).</summary>
    public double[] Expand(IReadOnlyList<double> modelValues)
    {
        var full = new double[FeatureSchema.Current.Count];
        for (var c = 0; c < _columns.Length; c++) full[_columns[c]] = modelValues[c];
        return full;
    }
}
