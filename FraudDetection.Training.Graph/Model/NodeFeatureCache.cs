using System.Collections.Concurrent;
using FraudDetection.Training.Graph.Data;

namespace FraudDetection.Training.Graph.Model;

/// <summary>
/// Scaled node features per (type, snapshot, node), computed on first use: a neighbourhood reads the same few
/// thousand nodes hundreds of times per snapshot. Values are pure functions of their key, so threads racing on one
/// entry write the same numbers and the result never depends on scheduling. Past <paramref name="maxBytes"/> of
/// tables, features are computed without caching (memory stays bounded on large graphs).
/// </summary>
internal sealed class NodeFeatureCache(int cardCount, int merchantCount, int width, long maxBytes = 1L << 30)
{
    private readonly ConcurrentDictionary<(NodeType, long), Table> _tables = new();
    private long _bytes;

    [ThreadStatic] private static float[]? t_scratch;

    public ReadOnlySpan<float> Get(NodeType type, int node, long snapshot, NeighbourhoodBuilder builder)
    {
        var scratch = t_scratch is { } s && s.Length == width ? s : t_scratch = new float[width];
        if (!_tables.TryGetValue((type, snapshot), out var table))
        {
            var nodes = type == NodeType.Card ? cardCount : merchantCount;
            var bytes = (long)nodes * (width * sizeof(float) + sizeof(int));
            if (Interlocked.Read(ref _bytes) + bytes > maxBytes)
            {
                builder.ComputeNodeFeatures(type, node, snapshot, scratch);
                return scratch;
            }
            table = _tables.GetOrAdd((type, snapshot), _ =>
            {
                Interlocked.Add(ref _bytes, bytes);
                return new Table(nodes, width);
            });
        }
        var values = table.Values.AsSpan(node * width, width);
        if (Volatile.Read(ref table.Ready[node]) == 0)
        {
            // Computed aside and copied whole: a racing thread only ever writes the same final values over them.
            builder.ComputeNodeFeatures(type, node, snapshot, scratch);
            scratch.CopyTo(values);
            Volatile.Write(ref table.Ready[node], 1);
        }
        return values;
    }

    private sealed class Table(int nodes, int width)
    {
        public readonly float[] Values = new float[nodes * width];
        public readonly int[] Ready = new int[nodes];
    }
}
