using FraudDetection.Core.Models;

namespace FraudDetection.Training.Evaluation;

/// <summary>A point of a precision-recall or ROC curve.</summary>
public readonly record struct CurvePoint(double X, double Y, double Threshold);

/// <summary>
/// Fraud-class metrics of scores against labels. A row is flagged when <c>score &gt;= threshold</c>, as Scoring does.
/// Written by hand (ML.NET's evaluator has no AP over distinct thresholds, card precision@k or 1:1 down-sampling).
/// </summary>
public static class BinaryMetrics
{
    /// <summary>Indexes by descending score (ties keep input order).</summary>
    private static int[] Descending(ReadOnlySpan<float> scores)
    {
        var order = new int[scores.Length];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        var keys = new float[scores.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = -scores[i];
        }
        Array.Sort(keys, order);
        return order;
    }

    /// <summary>ROC-AUC with ties counted half (Mann-Whitney).</summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var order = Descending(scores);
        long positives = 0, negatives = 0;
        foreach (var l in labels)
        {
            if (l) positives++; else negatives++;
        }
        if (positives == 0 || negatives == 0)
        {
            return double.NaN;
        }
        // Walk from the highest score; for each negative, count positives ranked above it (ties: half).
        double area = 0;
        long positivesAbove = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            long tiePositives = 0, tieNegatives = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]]) tiePositives++; else tieNegatives++;
                j++;
            }
            area += tieNegatives * (positivesAbove + tiePositives / 2.0);
            positivesAbove += tiePositives;
            i = j;
        }
        return area / ((double)positives * negatives);
    }

    /// <summary>Average precision as scikit-learn computes it: sum over distinct thresholds of (R_n − R_{n−1}) · P_n.</summary>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var order = Descending(scores);
        long positives = 0;
        foreach (var l in labels)
        {
            if (l) positives++;
        }
        if (positives == 0)
        {
            return double.NaN;
        }
        double ap = 0, previousRecall = 0;
        long tp = 0, flagged = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]]) tp++;
                flagged++;
                j++;
            }
            var recall = (double)tp / positives;
            ap += (recall - previousRecall) * ((double)tp / flagged);
            previousRecall = recall;
            i = j;
        }
        return ap;
    }

    /// <summary>The precision-recall curve (X = recall, Y = precision) at every distinct score.</summary>
    public static IReadOnlyList<CurvePoint> PrecisionRecallCurve(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var points = new List<CurvePoint>();
        Sweep(scores, labels, (tp, fp, positives, negatives, threshold) =>
            points.Add(new CurvePoint((double)tp / Math.Max(1, positives), tp + fp == 0 ? 1 : (double)tp / (tp + fp), threshold)));
        return points;
    }

    /// <summary>The ROC curve (X = false-positive rate, Y = true-positive rate) at every distinct score.</summary>
    public static IReadOnlyList<CurvePoint> RocCurve(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var points = new List<CurvePoint> { new(0, 0, double.PositiveInfinity) };
        Sweep(scores, labels, (tp, fp, positives, negatives, threshold) =>
            points.Add(new CurvePoint((double)fp / Math.Max(1, negatives), (double)tp / Math.Max(1, positives), threshold)));
        return points;
    }

    /// <summary>The threshold (midway between two distinct scores) that maximises the fraud class's F1.</summary>
    public static double MaxF1Threshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels) =>
        BestThreshold(scores, labels, (tp, fp, fn) => tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn));

    /// <summary>The threshold that minimises cost = false positives + <paramref name="costRatio"/> × missed frauds.</summary>
    public static double CostThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double costRatio) =>
        BestThreshold(scores, labels, (tp, fp, fn) => -(fp + costRatio * fn));

    private static double BestThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, Func<long, long, long, double> objective)
    {
        var order = Descending(scores);
        long positives = 0;
        foreach (var l in labels)
        {
            if (l) positives++;
        }
        var best = objective(0, 0, positives);
        var bestThreshold = order.Length == 0 ? 0.5 : Math.Min(1.0, scores[order[0]] + 1e-6);
        long tp = 0, fp = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]]) tp++; else fp++;
                j++;
            }
            var value = objective(tp, fp, positives - tp);
            if (value > best)
            {
                best = value;
                var here = scores[order[i]];
                var next = j < order.Length ? scores[order[j]] : 0f;
                bestThreshold = (here + (double)next) / 2;
            }
            i = j;
        }
        return bestThreshold;
    }

    private static void Sweep(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, Action<long, long, long, long, double> visit)
    {
        var order = Descending(scores);
        long positives = 0;
        foreach (var l in labels)
        {
            if (l) positives++;
        }
        var negatives = labels.Length - positives;
        long tp = 0, fp = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j < order.Length && scores[order[j]] == scores[order[i]])
            {
                if (labels[order[j]]) tp++; else fp++;
                j++;
            }
            visit(tp, fp, positives, negatives, scores[order[i]]);
            i = j;
        }
    }

    public static ConfusionCounts Confusion(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double threshold)
    {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            var flagged = scores[i] >= threshold;
            if (labels[i]) { if (flagged) tp++; else fn++; }
            else { if (flagged) fp++; else tn++; }
        }
        return new ConfusionCounts(tp, fp, tn, fn);
    }

    /// <summary>
    /// Card precision@k per day (Le Borgne et al., "Reproducible Machine Learning for Credit Card Fraud Detection"):
    /// each day, rank cards by their highest score that day, take the top k, and count the share that had a fraud
    /// that day; the mean over days.
    /// </summary>
    public static double? CardPrecisionAtKPerDay(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, ReadOnlySpan<DateTime> times, ReadOnlySpan<long> cards, int k = 100)
    {
        var days = new Dictionary<DateOnly, Dictionary<long, (float Max, bool Fraud)>>();
        for (var i = 0; i < scores.Length; i++)
        {
            var day = DateOnly.FromDateTime(times[i]);
            if (!days.TryGetValue(day, out var perCard))
            {
                days[day] = perCard = [];
            }
            var current = perCard.TryGetValue(cards[i], out var seen) ? seen : (Max: float.NegativeInfinity, Fraud: false);
            perCard[cards[i]] = (Math.Max(current.Max, scores[i]), current.Fraud || labels[i]);
        }
        if (days.Count == 0)
        {
            return null;
        }
        return days.Values.Average(perCard =>
            perCard.Values.OrderByDescending(c => c.Max).Take(k).Count(c => c.Fraud) / (double)k);
    }

    /// <summary>Accuracy/precision/recall/F1 on a 1:1 copy: every fraud and as many non-frauds drawn at random (seeded).</summary>
    public static BalancedMetrics? Balanced1To1(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double threshold, int seed = 42)
    {
        var positives = new List<int>();
        var negatives = new List<int>();
        for (var i = 0; i < labels.Length; i++)
        {
            (labels[i] ? positives : negatives).Add(i);
        }
        if (positives.Count == 0 || negatives.Count < positives.Count)
        {
            return null;
        }
        var random = new Random(seed);
        var negativeArray = negatives.ToArray();
        random.Shuffle(negativeArray);
        long tp = 0, fp = 0, tn = 0, fn = 0;
        foreach (var i in positives)
        {
            if (scores[i] >= threshold) tp++; else fn++;
        }
        for (var n = 0; n < positives.Count; n++)
        {
            if (scores[negativeArray[n]] >= threshold) fp++; else tn++;
        }
        var (precision, recall, f1) = Prf(tp, fp, fn);
        return new BalancedMetrics((double)(tp + tn) / (tp + fp + tn + fn), precision, recall, f1);
    }

    public static (double Precision, double Recall, double F1) Prf(long tp, long fp, long fn)
    {
        var precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
        var recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }

    /// <summary>Every <see cref="EvaluationMetrics"/> field for one labelled window.</summary>
    public static EvaluationMetrics Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels, double threshold,
        ReadOnlySpan<DateTime> times = default, ReadOnlySpan<long> cards = default)
    {
        var confusion = Confusion(scores, labels, threshold);
        var (precision, recall, f1) = Prf(confusion.TruePositives, confusion.FalsePositives, confusion.FalseNegatives);
        return new EvaluationMetrics
        {
            Rows = scores.Length,
            Frauds = confusion.TruePositives + confusion.FalseNegatives,
            RocAuc = RocAuc(scores, labels),
            AveragePrecision = AveragePrecision(scores, labels),
            Threshold = threshold,
            Precision = precision,
            Recall = recall,
            F1 = f1,
            Accuracy = scores.Length == 0 ? 0 : (double)(confusion.TruePositives + confusion.TrueNegatives) / scores.Length,
            ConfusionMatrix = confusion,
            CardPrecisionAt100PerDay = times.Length == scores.Length && cards.Length == scores.Length && scores.Length > 0
                ? CardPrecisionAtKPerDay(scores, labels, times, cards) : null,
            Balanced1To1 = Balanced1To1(scores, labels, threshold),
        };
    }
}
