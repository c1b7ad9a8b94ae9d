using FraudDetection.Core.Models;
using FraudDetection.Training.Evaluation;
using ScottPlot;

namespace FraudDetection.Training.Explanation;

/// <summary>The PNG plots of a training run (ScottPlot): confusion matrix, PR and ROC curves, SHAP summary, importance.</summary>
public static class ModelPlots
{
    public const string ConfusionMatrix = "confusion_matrix.png";
    public const string PrecisionRecall = "pr_curve.png";
    public const string Roc = "roc_curve.png";
    public const string ShapSummaryFile = "shap_summary.png";
    public const string FeatureImportance = "feature_importance.png";

    public static void SaveConfusionMatrix(ConfusionCounts c, string path)
    {
        var plot = new Plot();
        // Rows: actual (fraud on top); columns: predicted.
        double[,] cells = { { c.FalseNegatives, c.TruePositives }, { c.TrueNegatives, c.FalsePositives } };
        double[,] shade = { { Math.Log10(1 + c.FalseNegatives), Math.Log10(1 + c.TruePositives) }, { Math.Log10(1 + c.TrueNegatives), Math.Log10(1 + c.FalsePositives) } };
        var heatmap = plot.Add.Heatmap(shade);
        heatmap.Colormap = new ScottPlot.Colormaps.Blues();
        string[] labels = ["FN", "TP", "TN", "FP"];
        for (var r = 0; r < 2; r++)
        {
            for (var col = 0; col < 2; col++)
            {
                var text = plot.Add.Text($"{labels[r * 2 + col]}\n{cells[r, col]:N0}", col, 1 - r);
                text.LabelFontSize = 22;
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = Colors.Black;
                text.LabelBackgroundColor = Colors.White.WithAlpha(0.7);
            }
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 1], ["predicted legit", "predicted fraud"]);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([0, 1], ["actual legit", "actual fraud"]);
        plot.Title("Confusion matrix (validation, natural fraud rate)");
        plot.SavePng(path, 640, 520);
    }

    public static void SaveCurve(IReadOnlyList<CurvePoint> points, string title, string xLabel, string yLabel, string path, bool diagonal)
    {
        var plot = new Plot();
        var thinned = Thin(points, 4000);
        var line = plot.Add.Scatter(thinned.Select(p => p.X).ToArray(), thinned.Select(p => p.Y).ToArray());
        line.MarkerSize = 0;
        line.LineWidth = 2;
        if (diagonal)
        {
            var d = plot.Add.Line(0, 0, 1, 1);
            d.LinePattern = LinePattern.Dashed;
            d.Color = Colors.Gray;
        }
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 640, 520);
    }

    public static void SaveImportance(IReadOnlyList<NamedValue> importance, string title, string path, int top = 20)
    {
        var items = importance.Take(top).Reverse().ToArray();
        var plot = new Plot();
        var bars = plot.Add.Bars(items.Select(i => i.Value).ToArray());
        bars.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, items.Length).Select(i => (double)i)], [.. items.Select(i => i.Feature)]);
        plot.Axes.Margins(left: 0);
        plot.Title(title);
        plot.SavePng(path, 800, 40 + 28 * Math.Max(5, items.Length));
    }

    /// <summary>Beeswarm-style summary: one row per feature (top by mean |SHAP|), a dot per explained row, colour = feature value rank.</summary>
    public static void SaveShapSummary(ShapSummary shap, IReadOnlyList<string> names, string path, int top = 15)
    {
        var mean = shap.MeanAbs();
        var order = Enumerable.Range(0, names.Count).OrderByDescending(i => mean[i]).Take(top).Reverse().ToArray();
        var plot = new Plot();
        var colormap = new ScottPlot.Colormaps.Turbo();
        var random = new Random(1);
        const int bins = 8;
        var n = shap.Rows.Length;
        for (var y = 0; y < order.Length; y++)
        {
            var f = order[y];
            var values = Enumerable.Range(0, n).Select(r => shap.Features[r * shap.FeatureCount + f]).ToArray();
            var sorted = values.Order().ToArray();
            var xs = new List<double>[bins];
            var ys = new List<double>[bins];
            for (var b = 0; b < bins; b++)
            {
                xs[b] = [];
                ys[b] = [];
            }
            for (var r = 0; r < n; r++)
            {
                // Colour by the value's rank among this feature's values (low blue .. high red).
                var rank = Array.BinarySearch(sorted, values[r]);
                rank = rank < 0 ? ~rank : rank;
                var b = Math.Min(bins - 1, (int)((double)rank / Math.Max(1, n) * bins));
                xs[b].Add(shap.Values[r * shap.FeatureCount + f]);
                ys[b].Add(y + (random.NextDouble() - 0.5) * 0.6);
            }
            for (var b = 0; b < bins; b++)
            {
                if (xs[b].Count == 0)
                {
                    continue;
                }
                var dots = plot.Add.ScatterPoints(xs[b].ToArray(), ys[b].ToArray());
                dots.MarkerSize = 3;
                dots.Color = colormap.GetColor((b + 0.5) / bins).WithAlpha(0.7);
            }
        }
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, order.Length).Select(i => (double)i)], [.. order.Select(i => names[i])]);
        var zero = plot.Add.VerticalLine(0);
        zero.Color = Colors.Gray;
        plot.Title("TreeSHAP summary (margin, log-odds; colour: feature value low→high)");
        plot.XLabel("SHAP value");
        plot.SavePng(path, 900, 60 + 32 * Math.Max(5, order.Length));
    }

    private static IReadOnlyList<CurvePoint> Thin(IReadOnlyList<CurvePoint> points, int max)
    {
        if (points.Count <= max)
        {
            return points;
        }
        var step = (double)points.Count / max;
        var thinned = new List<CurvePoint>(max + 1);
        for (var i = 0.0; i < points.Count; i += step)
        {
            thinned.Add(points[(int)i]);
        }
        thinned.Add(points[^1]);
        return thinned;
    }
}
