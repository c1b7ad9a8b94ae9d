using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using FraudDetection.Graph.Store;
using FraudDetection.Tests.Core;

namespace FraudDetection.Tests.Graph;

/// <summary>Real Kaggle rows turned into scored transactions with a deterministic, label-correlated score.</summary>
internal static class GraphTestData
{
    /// <summary>The first <paramref name="count"/> rows of the Kaggle test slice, plus its labelled frauds after them.</summary>
    public static IReadOnlyList<Transaction> Transactions(int count) =>
        TransactionCsv.ReadFile(RepoPaths.KaggleSlice("fraudTest.head.csv")).Where((t, i) => i < count || t.IsFraud == 1).ToList();

    public static ScoredTransaction Score(Transaction t)
    {
        // Stable pseudo-score from the trans_num; labelled fraud scores high, so alerts cluster on fraud like a real model's.
        var noise = StableHash(t.TransNum) / 1000.0;
        var score = t.IsFraud == 1 ? 0.6 + 0.4 * noise : 0.55 * noise * noise;
        return new ScoredTransaction(t, score, 0.5, score >= 0.5, "v-test", [], new ScoringTimings(1, 0.1, 1), DateTimeOffset.UnixEpoch);
    }

    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked(hash * 31 + c);
        }
        return Math.Abs(hash % 1000);
    }

    public static IReadOnlyList<GraphEdge> Edges(int count) => Transactions(count).Select(t => GraphEdge.From(Score(t))).ToList();

    /// <summary>Batches as a sink would see them under re-delivery: every 7th edge again in a later batch, and a few twice in one batch.</summary>
    public static IEnumerable<IReadOnlyList<GraphEdge>> BatchesWithRedelivery(IReadOnlyList<GraphEdge> edges, int batchSize)
    {
        var redelivered = new List<GraphEdge>();
        for (var start = 0; start < edges.Count; start += batchSize)
        {
            var batch = edges.Skip(start).Take(batchSize).ToList();
            batch.AddRange(redelivered);
            redelivered = batch.Where((_, i) => i % 7 == 0).ToList();
            batch.Add(batch[0]);
            yield return batch;
        }
        yield return redelivered;
    }
}
