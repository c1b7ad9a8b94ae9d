using FraudDetection.Training.Evaluation;

namespace FraudDetection.Training.Benchmarks.Handbook;

/// <summary>The book's three metrics on one fold's test week.</summary>
public readonly record struct HandbookFoldMetrics(double AveragePrecision, double RocAuc, double CardPrecision);

/// <summary>A mean over folds ± the population standard deviation (scikit-learn's <c>std_test_*</c>).</summary>
public readonly record struct MeanStd(double Mean, double Std)
{
    public static MeanStd Of(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        return new MeanStd(mean, Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / list.Count));
    }

    public override string ToString() => FormattableString.Invariant($"{Mean:F3}±{Std:F2}");
}

/// <summary>
/// The book's metrics (<c>performance_assessment</c> in its shared functions): ROC-AUC and average precision over the
/// whole test week (the step-wise, not interpolated, AP of scikit-learn), and card precision@k per day.
/// </summary>
public static class HandbookMetrics
{
    public static HandbookFoldMetrics Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, ReadOnlySpan<int> days,
        ReadOnlySpan<long> cards, int k) => new(
        BinaryMetrics.AveragePrecision(scores, labels),
        BinaryMetrics.RocAuc(scores, labels),
        CardPrecisionAtK(scores, labels, days, cards, k).Mean);

    /// <summary>
    /// Card precision@k as a count over folds: the fraudulent cards in the places of the test days' top k (a fold's
    /// card precision is the mean over its days, each a count / k), and those places.
    /// </summary>
    public static (int Found, int Places) FraudulentCardsInTopK(IEnumerable<(int Days, double CardPrecision)> folds, int k)
    {
        var list = folds.ToList();
        return ((int)list.Sum(f => Math.Round(f.CardPrecision * f.Days * k)), list.Sum(f => f.Days * k));
    }

    /// <summary>
    /// Card precision@k as the book's <c>card_precision_top_k</c> computes it. Days in increasing order; each day:
    /// drop the cards already detected (a fraudulent card in an earlier day's top k of the same week), take per card
    /// the highest score and whether any of its transactions is a fraud, rank cards by score, and count the
    /// fraudulent cards among the top k, divided by k. Those become detected. The result is the mean of the daily
    /// values. Ties in score are broken by card number (the book's sort is not stable, so its order is arbitrary).
    /// </summary>
    public static (double Mean, IReadOnlyList<double> PerDay) CardPrecisionAtK(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels,
        ReadOnlySpan<int> days, ReadOnlySpan<long> cards, int k)
    {
        var rowsByDay = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < scores.Length; i++)
        {
            if (!rowsByDay.TryGetValue(days[i], out var rows)) rowsByDay[days[i]] = rows = [];
            rows.Add(i);
        }
        var detected = new HashSet<long>();
        var perDay = new List<double>();
        foreach (var rows in rowsByDay.Values)
        {
            var perCard = new Dictionary<long, (float Score, bool Fraud)>();
            foreach (var i in rows)
            {
                if (detected.Contains(cards[i])) continue;
                perCard[cards[i]] = perCard.TryGetValue(cards[i], out var c)
                    ? (Math.Max(c.Score, scores[i]), c.Fraud || labels[i])
                    : (scores[i], labels[i]);
            }
            var top = perCard.OrderByDescending(c => c.Value.Score).ThenBy(c => c.Key).Take(k).Where(c => c.Value.Fraud).Select(c => c.Key).ToList();
            perDay.Add(top.Count / (double)k);
            detected.UnionWith(top);
        }
        return (perDay.Count == 0 ? double.NaN : perDay.Average(), perDay);
    }
}
