using System.Numerics;
using System.Numerics.Tensors;
using FraudDetection.Training.Graph.Data;

namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// Fills a <see cref="Workspace{T}"/> with one transaction's two-hop neighbourhood as it was at the transaction's
/// snapshot: each root (its card, its merchant) with up to Fanout2 sampled neighbours, each of those nodes with the
/// mean of up to Fanout1 sampled edge messages. Sampling is a pure function of (seed, pass, layer, node, snapshot),
/// so a node's embedding at a snapshot is the same for every transaction that reads it, and an edge after the
/// snapshot never changes it.
/// </summary>
public sealed class NeighbourhoodBuilder(TemporalGraph graph, GraphSageShape shape, GraphScalers scalers, int seed)
{
    /// <summary>The pass used at inference (validation, test, embeddings); training passes are the epoch numbers.</summary>
    public const long InferencePass = -1;

    private readonly NodeFeatureCache _cache = new(graph.Data.CardCount, graph.Data.MerchantCount, shape.NodeFeatures);

    public TemporalGraph Graph { get; } = graph;

    /// <summary>Everything one row needs: both roots at the row's snapshot and its scaled transaction features.</summary>
    public void Fill<T>(Workspace<T> ws, int row, long pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var snapshot = Graph.SnapshotOf(row);
        FillRoot(ws, NodeType.Card, Graph.Data.Cards[row], snapshot, pass);
        FillRoot(ws, NodeType.Merchant, Graph.Data.Merchants[row], snapshot, pass);
        FillTransaction(ws, row);
    }

    public void FillTransaction<T>(Workspace<T> ws, int row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var features = Graph.Data.FeatureRow(row);
        var output = ws.TransactionFeatures;
        for (var i = 0; i < output.Length; i++)
        {
            output[i] = T.CreateTruncating(features[i]);
        }
        scalers.Transaction.Apply<T>(output, output);
    }

    /// <summary>Root <paramref name="type"/> (its index in the workspace) and its sampled neighbours, each with its layer-1 input.</summary>
    public void FillRoot<T>(Workspace<T> ws, NodeType type, int node, long snapshot, long pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var root = (int)type;
        FillNode(ws, ws.Input1(root, 0), type, node, snapshot, pass);
        var rows = ws.NeighbourRows;
        var count = Graph.SampleEdges(type, node, snapshot, shape.Fanout2, Key(pass, 2, type, node, snapshot), rows);
        var other = type == NodeType.Card ? NodeType.Merchant : NodeType.Card;
        for (var j = 0; j < count; j++)
        {
            FillNode(ws, ws.Input1(root, j + 1), other, Graph.OtherEnd(type, rows[j]), snapshot, pass);
        }
        ws.Neighbours[root] = count;
    }

    /// <summary>[node features ‖ mean over sampled edges of (other end's features ‖ edge features)], all scaled.</summary>
    private void FillNode<T>(Workspace<T> ws, Span<T> input, NodeType type, int node, long snapshot, long pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var self = input[..shape.NodeFeatures];
        NodeFeatures(type, node, snapshot, self);
        var mean = input[shape.NodeFeatures..];
        mean.Clear();
        var rows = ws.SampledRows;
        var count = Graph.SampleEdges(type, node, snapshot, shape.Fanout1, Key(pass, 1, type, node, snapshot), rows);
        if (count == 0)
        {
            return;
        }
        var other = type == NodeType.Card ? NodeType.Merchant : NodeType.Card;
        var message = ws.Message.AsSpan();
        for (var k = 0; k < count; k++)
        {
            Message(other, Graph.OtherEnd(type, rows[k]), rows[k], snapshot, message);
            TensorPrimitives.Add(mean, message, mean);
        }
        TensorPrimitives.Multiply(mean, T.One / T.CreateTruncating(count), mean);
    }

    /// <summary>The scaled features of a node at a snapshot (each (node, snapshot) computed once, then read from the cache).</summary>
    public void NodeFeatures<T>(NodeType type, int node, long snapshot, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cached = _cache.Get(type, node, snapshot, this);
        for (var i = 0; i < output.Length; i++)
        {
            output[i] = T.CreateTruncating(cached[i]);
        }
    }

    internal void ComputeNodeFeatures(NodeType type, int node, long snapshot, Span<float> output)
    {
        Graph.NodeFeatures(type, node, snapshot, output);
        scalers.Node(type).Apply(output, output);
    }

    /// <summary>The scaled message over edge <paramref name="row"/> from its end <paramref name="node"/> (of <paramref name="type"/>).</summary>
    public void Message<T>(NodeType type, int node, int row, long snapshot, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        NodeFeatures(type, node, snapshot, output[..shape.NodeFeatures]);
        var edge = output[shape.NodeFeatures..];
        Graph.EdgeFeatures(row, snapshot, edge);
        scalers.Edge.Apply<T>(edge, edge);
    }

    private ulong Key(long pass, int layer, NodeType type, int node, long snapshot) =>
        SplitMix64.Key(seed, pass, layer, (long)type, node, snapshot);
}

/// <summary>The fitted scalers of the model's inputs: node features per type, edge features, transaction features.</summary>
public sealed record GraphScalers(InputScaler CardNodes, InputScaler MerchantNodes, InputScaler Edge, InputScaler Transaction)
{
    public InputScaler Node(NodeType type) => type == NodeType.Card ? CardNodes : MerchantNodes;

    public static GraphScalers Identity(GraphSageShape shape) => new(
        InputScaler.Identity(shape.NodeFeatures), InputScaler.Identity(shape.NodeFeatures), InputScaler.Identity(shape.EdgeFeatures), InputScaler.Identity(shape.TransactionFeatures));

    /// <summary>
    /// Fits node and edge scalers on up to <paramref name="sampleRows"/> of <paramref name="rows"/> (both roots at
    /// each row's snapshot and their sampled edges) and the transaction scaler on every row.
    /// </summary>
    public static GraphScalers Fit(TemporalGraph graph, IReadOnlyList<int> rows, int fanout, int sampleRows, int seed)
    {
        var nodeWidth = GraphFeatures.NodeCount;
        var edgeWidth = GraphFeatures.EdgeCount;
        var data = graph.Data;
        var cards = new InputScaler.Builder(nodeWidth, GraphFeatures.NodeStandardized);
        var merchants = new InputScaler.Builder(nodeWidth, GraphFeatures.NodeStandardized);
        var edges = new InputScaler.Builder(edgeWidth, GraphFeatures.EdgeStandardized);
        var transactions = new InputScaler.Builder(data.FeatureCount, signedLog: true, clip: 10);
        Span<double> node = stackalloc double[nodeWidth];
        Span<double> edge = stackalloc double[edgeWidth];
        var sampled = new int[fanout];
        var random = new SplitMix64(SplitMix64.Key(seed, 7));
        var every = Math.Max(1, rows.Count / Math.Max(1, sampleRows));
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            transactions.Add(data.FeatureRow(row));
            if (i % every != 0)
            {
                continue;
            }
            var snapshot = graph.SnapshotOf(row);
            foreach (var type in (ReadOnlySpan<NodeType>)[NodeType.Card, NodeType.Merchant])
            {
                var id = graph.NodeOf(type, row);
                graph.NodeFeatures<double>(type, id, snapshot, node);
                (type == NodeType.Card ? cards : merchants).Add<double>(node);
                var count = graph.SampleEdges(type, id, snapshot, fanout, random.Next(), sampled);
                for (var k = 0; k < count; k++)
                {
                    graph.EdgeFeatures<double>(sampled[k], snapshot, edge);
                    edges.Add<double>(edge);
                }
            }
        }
        return new GraphScalers(cards.Build(), merchants.Build(), edges.Build(), transactions.Build());
    }
}
