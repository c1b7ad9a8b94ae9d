using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using FraudDetection.Training.Graph.Data;

namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// A trained graph model: shape, time rules, input scalers and the flat float parameters, with inference on a
/// <see cref="TemporalGraph"/>. A probability is σ(logit + <see cref="PriorCorrection"/>), the correction (ln of the
/// negative sampling rate) bringing it back to the natural fraud rate, as for the tree models.
/// </summary>
public sealed class GraphSageModel
{
    public GraphSageModel(GraphSageShape shape, GraphTimeRules timeRules, GraphScalers scalers, float[] parameters, int seed, double priorCorrection, IReadOnlyList<string> transactionFeatureNames)
    {
        Layout = new ParameterLayout(shape);
        if (parameters.Length != Layout.Count)
        {
            throw new ArgumentException($"Expected {Layout.Count} parameters for this shape, got {parameters.Length}.");
        }
        if (transactionFeatureNames.Count != shape.TransactionFeatures)
        {
            throw new ArgumentException($"Expected {shape.TransactionFeatures} transaction feature names, got {transactionFeatureNames.Count}.");
        }
        TimeRules = timeRules;
        Scalers = scalers;
        Parameters = parameters;
        Seed = seed;
        PriorCorrection = priorCorrection;
        TransactionFeatureNames = transactionFeatureNames;
        Network = new GraphSageNetwork<float>(Layout);
    }

    public GraphSageShape Shape => Layout.Shape;
    public ParameterLayout Layout { get; }
    public GraphTimeRules TimeRules { get; }
    public GraphScalers Scalers { get; }
    public float[] Parameters { get; }
    public int Seed { get; }
    public double PriorCorrection { get; }
    public IReadOnlyList<string> TransactionFeatureNames { get; }
    public GraphSageNetwork<float> Network { get; }

    public NeighbourhoodBuilder Builder(TemporalGraph graph) => new(graph, Shape, Scalers, Seed);

    public float Probability(float logit) => (float)GraphSageNetwork<double>.Sigmoid(logit + PriorCorrection);

    /// <summary>One row, the whole forward pass (for tests and single look-ups).</summary>
    public float Probability(TemporalGraph graph, int row)
    {
        var ws = new Workspace<float>(Shape);
        Builder(graph).Fill(ws, row, NeighbourhoodBuilder.InferencePass);
        return Probability(Network.Forward(Parameters, ws));
    }

    /// <summary>
    /// The card and merchant embeddings of each row at its snapshot: each (node, snapshot) computed once, in parallel
    /// over distinct pairs (the result does not depend on the thread count).
    /// </summary>
    public RowEmbeddings Embed(TemporalGraph graph, IReadOnlyList<int> rows, int threads = 0, CancellationToken cancellationToken = default)
    {
        var index = new Dictionary<(NodeType Type, int Node, long Snapshot), int>();
        var keys = new List<(NodeType Type, int Node, long Snapshot)>();
        var cardIndex = new int[rows.Count];
        var merchantIndex = new int[rows.Count];
        int IndexOf(NodeType type, int node, long snapshot)
        {
            if (!index.TryGetValue((type, node, snapshot), out var at))
            {
                index[(type, node, snapshot)] = at = keys.Count;
                keys.Add((type, node, snapshot));
            }
            return at;
        }
        for (var i = 0; i < rows.Count; i++)
        {
            var snapshot = graph.SnapshotOf(rows[i]);
            cardIndex[i] = IndexOf(NodeType.Card, graph.Data.Cards[rows[i]], snapshot);
            merchantIndex[i] = IndexOf(NodeType.Merchant, graph.Data.Merchants[rows[i]], snapshot);
        }
        var width = Shape.Embedding;
        var table = new float[(long)keys.Count * width];
        var builder = Builder(graph);
        Parallel.ForEach(Partitioner.Create(0, keys.Count, 256), Options(threads, cancellationToken), range =>
        {
            var ws = new Workspace<float>(Shape);
            for (var k = range.Item1; k < range.Item2; k++)
            {
                var (type, node, snapshot) = keys[k];
                builder.FillRoot(ws, type, node, snapshot, NeighbourhoodBuilder.InferencePass);
                Network.EmbedRoot(Parameters, ws, (int)type);
                ws.Embedding((int)type).CopyTo(table.AsSpan(k * width, width));
            }
        });
        return new RowEmbeddings(width, table, cardIndex, merchantIndex);
    }

    /// <summary>Fraud probabilities of <paramref name="rows"/> (embeddings per distinct node and snapshot, then the classifier per row).</summary>
    public float[] Score(TemporalGraph graph, IReadOnlyList<int> rows, int threads = 0, CancellationToken cancellationToken = default) =>
        Score(graph, rows, Embed(graph, rows, threads, cancellationToken), threads, cancellationToken);

    public float[] Score(TemporalGraph graph, IReadOnlyList<int> rows, RowEmbeddings embeddings, int threads = 0, CancellationToken cancellationToken = default)
    {
        var scores = new float[rows.Count];
        var builder = Builder(graph);
        Parallel.ForEach(Partitioner.Create(0, rows.Count, 1024), Options(threads, cancellationToken), range =>
        {
            var ws = new Workspace<float>(Shape);
            for (var i = range.Item1; i < range.Item2; i++)
            {
                builder.FillTransaction(ws, rows[i]);
                Network.JoinEmbeddings(ws, embeddings.Card(i), embeddings.Merchant(i));
                scores[i] = Probability(Network.Classify(Parameters, ws));
            }
        });
        return scores;
    }

    /// <summary>
    /// Mean |∂logit/∂input × input| of each classifier input over <paramref name="rows"/> (inputs are scaled, so
    /// this is the first-order contribution against the training mean): transaction features, then the card's and
    /// the merchant's embedding dimensions.
    /// </summary>
    public double[] Attribution(TemporalGraph graph, IReadOnlyList<int> rows)
    {
        var ws = new Workspace<float>(Shape);
        var builder = Builder(graph);
        var scratch = new float[Layout.Count];
        var total = new double[Shape.ClassifierInput];
        foreach (var row in rows)
        {
            builder.Fill(ws, row, NeighbourhoodBuilder.InferencePass);
            Network.Forward(Parameters, ws);
            Network.Backward(Parameters, ws, 1f, scratch);
            var gradient = ws.ClassifierInputGradient;
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += Math.Abs(gradient[i] * ws.ClassifierInput[i]);
            }
        }
        for (var i = 0; i < total.Length; i++)
        {
            total[i] /= Math.Max(1, rows.Count);
        }
        return total;
    }

    internal static ParallelOptions Options(int threads, CancellationToken cancellationToken) => new()
    {
        MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
        CancellationToken = cancellationToken,
    };

    public void Save(string path)
    {
        var file = new GraphModelFile
        {
            Shape = Shape,
            SnapshotIntervalSeconds = (long)TimeRules.SnapshotInterval.TotalSeconds,
            LookbackSeconds = (long)TimeRules.Lookback.TotalSeconds,
            LabelDelaySeconds = (long)TimeRules.LabelDelay.TotalSeconds,
            Seed = Seed,
            PriorCorrection = PriorCorrection,
            TransactionFeatureNames = [.. TransactionFeatureNames],
            Scalers = [.. new[] { Scalers.CardNodes, Scalers.MerchantNodes, Scalers.Edge, Scalers.Transaction }.Select(ScalerFile.From)],
            Parameters = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Parameters.AsSpan())),
        };
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, file, GraphJsonContext.Default.GraphModelFile);
    }

    public static GraphSageModel Load(string path)
    {
        using var stream = File.OpenRead(path);
        var file = JsonSerializer.Deserialize(stream, GraphJsonContext.Default.GraphModelFile)
            ?? throw new InvalidDataException($"{path} holds no graph model.");
        if (file.Scalers.Length != 4)
        {
            throw new InvalidDataException($"{path}: expected 4 scalers, found {file.Scalers.Length}.");
        }
        var bytes = Convert.FromBase64String(file.Parameters);
        var parameters = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        var rules = new GraphTimeRules
        {
            SnapshotInterval = TimeSpan.FromSeconds(file.SnapshotIntervalSeconds),
            Lookback = TimeSpan.FromSeconds(file.LookbackSeconds),
            LabelDelay = TimeSpan.FromSeconds(file.LabelDelaySeconds),
        };
        var s = file.Scalers.Select(f => f.ToScaler()).ToArray();
        return new GraphSageModel(file.Shape, rules, new GraphScalers(s[0], s[1], s[2], s[3]), parameters, file.Seed, file.PriorCorrection, file.TransactionFeatureNames);
    }
}

/// <summary>Per-row card and merchant embeddings: indexes into a table of distinct (node, snapshot) embeddings.</summary>
public sealed class RowEmbeddings(int width, float[] table, int[] cardIndex, int[] merchantIndex)
{
    public int Width { get; } = width;
    public int Rows => cardIndex.Length;
    /// <summary>Distinct (node, snapshot) embeddings computed.</summary>
    public int Distinct => table.Length / Math.Max(1, Width);
    public ReadOnlySpan<float> Card(int i) => table.AsSpan(cardIndex[i] * Width, Width);
    public ReadOnlySpan<float> Merchant(int i) => table.AsSpan(merchantIndex[i] * Width, Width);

    /// <summary>
    /// Row-major [features ‖ card embedding ‖ merchant embedding] of <paramref name="rows"/> (the rows these embeddings
    /// were computed for, in the same order): the classifier head's ONNX input, and LightGBM's input with embeddings.
    /// </summary>
    public float[] JoinWith(GraphDataset data, IReadOnlyList<int> rows)
    {
        if (rows.Count != Rows)
        {
            throw new ArgumentException($"These embeddings are for {Rows} rows, not {rows.Count}.");
        }
        var width = data.FeatureCount + 2 * Width;
        var joined = new float[(long)rows.Count * width];
        for (var i = 0; i < rows.Count; i++)
        {
            var target = joined.AsSpan(i * width, width);
            data.FeatureRow(rows[i]).CopyTo(target);
            Card(i).CopyTo(target[data.FeatureCount..]);
            Merchant(i).CopyTo(target[(data.FeatureCount + Width)..]);
        }
        return joined;
    }
}

internal sealed class GraphModelFile
{
    [JsonPropertyName("format")] public string Format { get; init; } = "graphsage-mean/1";
    [JsonPropertyName("shape")] public required GraphSageShape Shape { get; init; }
    [JsonPropertyName("snapshot_interval_seconds")] public long SnapshotIntervalSeconds { get; init; }
    [JsonPropertyName("lookback_seconds")] public long LookbackSeconds { get; init; }
    [JsonPropertyName("label_delay_seconds")] public long LabelDelaySeconds { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("prior_correction")] public double PriorCorrection { get; init; }
    [JsonPropertyName("transaction_feature_names")] public string[] TransactionFeatureNames { get; init; } = [];
    [JsonPropertyName("scalers")] public ScalerFile[] Scalers { get; init; } = [];
    /// <summary>Base64 of the little-endian float32 parameters in <see cref="ParameterLayout"/> order.</summary>
    [JsonPropertyName("parameters")] public string Parameters { get; init; } = "";
}

internal sealed class ScalerFile
{
    [JsonPropertyName("mean")] public float[] Mean { get; init; } = [];
    [JsonPropertyName("inverse_std")] public float[] InverseStd { get; init; } = [];
    [JsonPropertyName("signed_log")] public bool SignedLog { get; init; }
    /// <summary>Null: no clip.</summary>
    [JsonPropertyName("clip")] public float? Clip { get; init; }

    public static ScalerFile From(InputScaler s) => new()
    {
        Mean = s.Mean,
        InverseStd = s.InverseStd,
        SignedLog = s.SignedLog,
        Clip = float.IsPositiveInfinity(s.Clip) ? null : s.Clip,
    };

    public InputScaler ToScaler() => new(Mean, InverseStd, SignedLog, Clip ?? float.PositiveInfinity);
}

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(GraphModelFile))]
internal sealed partial class GraphJsonContext : JsonSerializerContext;
