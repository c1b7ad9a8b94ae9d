using System.Text.Json;
using System.Text.Json.Serialization;

namespace FraudDetection.Core.Models;

/// <summary>
/// What the model's validation window looked like, for drift checks: quantile bins of the score and of the most
/// important features, with the share of validation rows in each, and the alert rate at the model's threshold.
/// Written as <c>drift-reference.json</c> beside <c>model.onnx</c>; the registry copies it with the model.
/// </summary>
public sealed record DriftReference
{
    public const string FileName = "drift-reference.json";

    /// <summary>The name the score's distribution goes by, beside the features' names.</summary>
    public const string ScoreColumn = "score";

    [JsonPropertyName("model_version")] public string ModelVersion { get; init; } = "";
    /// <summary>Which rows the distributions describe (the validation window, scored out of sample).</summary>
    [JsonPropertyName("source")] public string Source { get; init; } = "";
    [JsonPropertyName("rows")] public long Rows { get; init; }
    [JsonPropertyName("threshold")] public double Threshold { get; init; }
    /// <summary>Share of the reference rows scored at or above <see cref="Threshold"/>.</summary>
    [JsonPropertyName("alert_rate")] public double AlertRate { get; init; }
    /// <summary>The score first, then the features by importance.</summary>
    [JsonPropertyName("columns")] public IReadOnlyList<DriftColumn> Columns { get; init; } = [];

    public static DriftReference? TryLoad(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        return JsonSerializer.Deserialize(File.ReadAllBytes(path), DriftReferenceJsonContext.Default.DriftReference);
    }

    public void Write(string modelDirectory) =>
        File.WriteAllBytes(Path.Combine(modelDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, DriftReferenceJsonContext.Default.DriftReference));

    /// <summary>
    /// The reference of <paramref name="rows"/> rows: the score and each named feature (<paramref name="features"/>: name
    /// and column in a row of <paramref name="columnCount"/> values) binned at their deciles.
    /// </summary>
    public static DriftReference Build(
        string modelVersion, string source, ReadOnlySpan<float> values, int columnCount, ReadOnlySpan<float> scores,
        IReadOnlyList<(string Name, int Column)> features, double threshold, int bins = DriftBins.DefaultBins)
    {
        var rows = scores.Length;
        var alerts = 0;
        foreach (var score in scores)
        {
            if (score >= threshold)
            {
                alerts++;
            }
        }
        var columns = new List<DriftColumn> { DriftColumn.From(ScoreColumn, scores.ToArray(), bins) };
        var column = new float[rows];
        foreach (var (name, index) in features)
        {
            for (var i = 0; i < rows; i++)
            {
                column[i] = values[i * columnCount + index];
            }
            columns.Add(DriftColumn.From(name, column, bins));
        }
        return new DriftReference
        {
            ModelVersion = modelVersion,
            Source = source,
            Rows = rows,
            Threshold = threshold,
            AlertRate = rows == 0 ? 0 : (double)alerts / rows,
            Columns = columns,
        };
    }
}

/// <summary>
/// One column's bins: upper-inclusive cut points (bin i holds values ≤ <c>Edges[i]</c> and above the previous edge; the
/// last bin what lies above every edge), the reference share of each bin, and the share of missing (NaN) values.
/// </summary>
public sealed record DriftColumn(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("edges")] float[] Edges,
    [property: JsonPropertyName("shares")] double[] Shares,
    [property: JsonPropertyName("missing_share")] double MissingShare)
{
    /// <summary>Deciles (or <paramref name="bins"/>-iles) of <paramref name="values"/> as edges, repeated cut points merged.</summary>
    public static DriftColumn From(string name, float[] values, int bins)
    {
        var present = values.Where(v => !float.IsNaN(v)).ToArray();
        Array.Sort(present);
        var edges = new List<float>();
        if (present.Length > 0)
        {
            for (var k = 1; k < bins; k++)
            {
                var edge = present[Math.Min(present.Length - 1, (int)Math.Ceiling((double)k * present.Length / bins) - 1)];
                if (edges.Count == 0 || edge > edges[^1])
                {
                    edges.Add(edge);
                }
            }
        }
        var cut = edges.ToArray();
        var counts = new long[cut.Length + 1];
        long missing = 0;
        foreach (var value in values)
        {
            if (float.IsNaN(value))
            {
                missing++;
            }
            else
            {
                counts[DriftBins.BinOf(cut, value)]++;
            }
        }
        var total = Math.Max(1, values.Length);
        return new DriftColumn(name, cut, [.. counts.Select(c => (double)c / total)], (double)missing / total);
    }
}

/// <summary>Binning and the population stability index.</summary>
public static class DriftBins
{
    public const int DefaultBins = 10;

    /// <summary>Share an empty bin counts as, so that ln(a/e) stays finite.</summary>
    public const double Epsilon = 1e-4;

    /// <summary>The bin of <paramref name="value"/> (not NaN): the first edge at or above it, else the last bin.</summary>
    public static int BinOf(ReadOnlySpan<float> edges, float value)
    {
        int low = 0, high = edges.Length;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (value <= edges[mid])
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }
        return low;
    }

    /// <summary>PSI = Σ (a − e)·ln(a / e) over the bins, each share at least <see cref="Epsilon"/>.</summary>
    public static double Psi(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException("Expected and actual shares need the same bins.");
        }
        double psi = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var e = Math.Max(expected[i], Epsilon);
            var a = Math.Max(actual[i], Epsilon);
            psi += (a - e) * Math.Log(a / e);
        }
        return psi;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DriftReference))]
public sealed partial class DriftReferenceJsonContext : JsonSerializerContext;
