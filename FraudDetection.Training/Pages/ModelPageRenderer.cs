using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;

namespace FraudDetection.Training.Pages;

/// <summary>The model dictionary as server-rendered HTML (no front-end build): the list, one version, two side by side.</summary>
public static class ModelPageRenderer
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    private const string Style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}
        header{background:#1d2433;color:#fff;padding:12px 24px}header a{color:#fff;text-decoration:none;margin-right:16px}
        main{padding:16px 24px}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #d8dce3;padding-bottom:4px}
        table{border-collapse:collapse;background:#fff;margin:8px 0}td,th{border:1px solid #d8dce3;padding:4px 10px;text-align:left;font-size:14px}
        th{background:#eef0f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
        .badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;margin-right:4px;color:#fff}
        .champion{background:#1a7f37}.challenger{background:#9a6700}.other{background:#57606a}
        .plots{display:flex;flex-wrap:wrap;gap:16px}.plots figure{margin:0;background:#fff;border:1px solid #d8dce3;padding:8px}
        .plots img{max-width:520px;display:block}figcaption{font-size:13px;color:#57606a}
        .cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}.bar{background:#4c8bf5;height:10px;display:inline-block}
        .note{color:#57606a}.better{color:#1a7f37;font-weight:600}.worse{color:#cf222e;font-weight:600}code{font-size:13px}
        """;

    public static string List(IReadOnlyList<ModelPageData> models, string registryLocation)
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>Model dictionary: {E(ModelRegistryNames.RegisteredModel)}</h1><p class=\"note\">Registry: <code>{E(registryLocation)}</code>. {models.Count} version(s).</p>");
        if (models.Count == 0)
        {
            body.Append("<p>No model is registered yet. Start a run with <code>POST /api/training/runs</code>.</p>");
            return Page("Models", body.ToString());
        }

        body.Append("<table id=\"versions\"><tr><th>Version</th><th>Aliases</th><th>Created (UTC)</th><th>Trainer</th><th>Average precision</th><th>ROC AUC</th><th>Precision</th><th>Recall</th><th>Threshold</th><th>Gate</th><th>Location</th></tr>");
        foreach (var model in models)
        {
            var v = model.Report?.Validation;
            body.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/models/{E(model.Version.Version)}\">v{E(model.Version.Version)}</a></td><td>{Badges(model.Version)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{model.Version.CreatedAt:yyyy-MM-dd HH:mm}</td><td>{E(model.Report?.Trainer ?? "")}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{N(v?.AveragePrecision)}</td><td class=\"num\">{N(v?.RocAuc)}</td><td class=\"num\">{N(v?.Precision)}</td><td class=\"num\">{N(v?.Recall)}</td><td class=\"num\">{N(model.Report?.Threshold)}</td>")
                .Append(CultureInfo.InvariantCulture, $"<td>{E(model.Version.Tags.GetValueOrDefault(RegistryTags.GateDecision) ?? "")}</td><td><code>{E(model.Version.ModelDirectory)}</code></td></tr>");
        }

        body.Append("</table><h2>Compare two versions</h2><form action=\"/models/compare\" method=\"get\">");
        body.Append(Select("a", models, models.Count > 1 ? models[1].Version.Version : models[0].Version.Version)).Append(" vs ").Append(Select("b", models, models[0].Version.Version));
        body.Append(" <button type=\"submit\">Compare</button></form>");
        return Page("Models", body.ToString());
    }

    public static string Detail(ModelPageData model)
    {
        var version = model.Version;
        var report = model.Report;
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>{E(version.Name)} v{E(version.Version)} {Badges(version)}</h1>");

        body.Append("<h2>Model</h2><table id=\"overview\">");
        Row(body, "Location", $"<code>{E(version.ModelDirectory)}</code>");
        Row(body, "Created (UTC)", E(version.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
        if (report is not null)
        {
            Row(body, "Trainer", E(report.Trainer));
            Row(body, "Feature schema", E($"{report.FeatureSchemaVersion} ({report.FeatureNames.Count} features)"));
            Row(body, "Threshold", N(report.Threshold));
            Row(body, "Train window", E(report.TrainWindow));
            Row(body, "Validation window", E(report.ValidationWindow));
        }

        foreach (var (key, value) in version.Tags.OrderBy(tag => tag.Key, StringComparer.Ordinal))
        {
            Row(body, E(key), E(value));
        }

        body.Append("</table>");
        if (report is null)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{E(model.ReportError ?? "no report")}</p>");
            body.Append(Plots(model));
            return Page($"v{version.Version}", body.ToString());
        }

        body.Append("<h2>Parameters</h2><table id=\"params\"><tr><th>Parameter</th><th>Value</th></tr>");
        foreach (var (key, value) in report.Params.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Row(body, E(key), E(value));
        }

        body.Append("</table><h2>Metrics (validation window, natural fraud rate)</h2><table id=\"metrics\"><tr><th>Metric</th><th>Value</th></tr>");
        foreach (var (name, value) in Metrics(report))
        {
            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td class=\"num\">{value}</td></tr>");
        }

        var cm = report.Validation.ConfusionMatrix;
        body.Append("</table><h2>Confusion matrix (at the threshold)</h2><table id=\"confusion\"><tr><th></th><th>predicted fraud</th><th>predicted legitimate</th></tr>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>actual fraud</th><td class=\"num\">{N(cm.TruePositives)}</td><td class=\"num\">{N(cm.FalseNegatives)}</td></tr>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>actual legitimate</th><td class=\"num\">{N(cm.FalsePositives)}</td><td class=\"num\">{N(cm.TrueNegatives)}</td></tr></table>");

        body.Append("<div class=\"cols\"><div><h2>Feature importance</h2>").Append(Bars("importance", report.FeatureImportance))
            .Append("</div><div><h2>SHAP summary (mean |contribution|)</h2>").Append(Bars("shap", report.ShapMeanAbs)).Append("</div></div>");
        body.Append(Plots(model));
        return Page($"v{version.Version}", body.ToString());
    }

    public static string Compare(ModelPageData a, ModelPageData b)
    {
        var body = new StringBuilder();
        body.Append(CultureInfo.InvariantCulture, $"<h1>v{E(a.Version.Version)} {Badges(a.Version)} vs v{E(b.Version.Version)} {Badges(b.Version)}</h1>");
        body.Append(CultureInfo.InvariantCulture, $"<table id=\"comparison\"><tr><th>Metric</th><th>v{E(a.Version.Version)}</th><th>v{E(b.Version.Version)}</th><th>b − a</th></tr>");
        var left = a.Report is null ? [] : MetricValues(a.Report).ToDictionary(m => m.Name, m => m.Value);
        var right = b.Report is null ? [] : MetricValues(b.Report).ToDictionary(m => m.Name, m => m.Value);
        foreach (var name in left.Keys.Concat(right.Keys).Distinct())
        {
            double? x = left.TryGetValue(name, out var l) ? l : null;
            double? y = right.TryGetValue(name, out var r) ? r : null;
            var diff = x is { } p && y is { } q ? q - p : (double?)null;
            var css = diff switch { > 0 => "better", < 0 => "worse", _ => "" };
            if (name is "false positives" or "false negatives")
            {
                css = diff switch { > 0 => "worse", < 0 => "better", _ => "" };
            }

            body.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(name)}</td><td class=\"num\">{N(x)}</td><td class=\"num\">{N(y)}</td><td class=\"num {css}\">{(diff is null ? "" : diff.Value.ToString("+0.0000;-0.0000;0", CultureInfo.InvariantCulture))}</td></tr>");
        }

        body.Append("</table><div class=\"cols\">");
        foreach (var model in new[] { a, b })
        {
            body.Append(CultureInfo.InvariantCulture, $"<div><h2>v{E(model.Version.Version)}: <a href=\"/models/{E(model.Version.Version)}\">details</a></h2>");
            if (model.Report is { } report)
            {
                body.Append("<p>Parameters: ").Append(E(string.Join(", ", report.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")))).Append("</p>");
                // A model without SHAP (the graph model) shows its importance instead.
                body.Append(report.ShapMeanAbs.Count > 0
                    ? "<h3>SHAP summary</h3>" + Bars($"shap-{model.Version.Version}", report.ShapMeanAbs)
                    : "<h3>Feature importance</h3>" + Bars($"importance-{model.Version.Version}", report.FeatureImportance));
            }

            body.Append(Plots(model)).Append("</div>");
        }

        body.Append("</div>");
        return Page($"v{a.Version.Version} vs v{b.Version.Version}", body.ToString());
    }

    public static string NotFound(string what) => Page("Not found", $"<h1>Not found</h1><p>{E(what)}</p><p><a href=\"/models\">All models</a></p>");

    private static IEnumerable<(string Name, string Value)> Metrics(ModelReport report)
        => MetricValues(report).Select(m => (m.Name, N(m.Value)));

    private static IEnumerable<(string Name, double Value)> MetricValues(ModelReport report)
    {
        var v = report.Validation;
        yield return ("average precision", v.AveragePrecision);
        yield return ("ROC AUC", v.RocAuc);
        yield return ("precision", v.Precision);
        yield return ("recall", v.Recall);
        yield return ("F1", v.F1);
        yield return ("accuracy", v.Accuracy);
        yield return ("threshold", report.Threshold);
        yield return ("rows", v.Rows);
        yield return ("frauds", v.Frauds);
        yield return ("true positives", v.ConfusionMatrix.TruePositives);
        yield return ("false positives", v.ConfusionMatrix.FalsePositives);
        yield return ("true negatives", v.ConfusionMatrix.TrueNegatives);
        yield return ("false negatives", v.ConfusionMatrix.FalseNegatives);
        if (v.CardPrecisionAt100PerDay is { } cardPrecision)
        {
            yield return ("card precision@100 per day", cardPrecision);
        }

        if (v.Balanced1To1 is { } balanced)
        {
            yield return ("1:1 balanced accuracy", balanced.Accuracy);
            yield return ("1:1 balanced precision", balanced.Precision);
            yield return ("1:1 balanced recall", balanced.Recall);
            yield return ("1:1 balanced F1", balanced.F1);
        }
    }

    private static string Bars(string id, IReadOnlyList<NamedValue> values)
    {
        if (values.Count == 0)
        {
            return "<p class=\"note\">not in this report</p>";
        }

        var top = values.OrderByDescending(v => Math.Abs(v.Value)).Take(20).ToList();
        var max = top.Max(v => Math.Abs(v.Value));
        var html = new StringBuilder($"<table id=\"{E(id)}\"><tr><th>Feature</th><th>Value</th><th></th></tr>");
        foreach (var value in top)
        {
            var width = max > 0 ? (int)Math.Round(200 * Math.Abs(value.Value) / max) : 0;
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(value.Feature)}</td><td class=\"num\">{N(value.Value)}</td><td><span class=\"bar\" style=\"width:{width}px\"></span></td></tr>");
        }

        return html.Append("</table>").ToString();
    }

    private static string Plots(ModelPageData model)
    {
        if (model.Plots.Count == 0)
        {
            return "<h2>Plots</h2><p class=\"note\">no plots in this version</p>";
        }

        var html = new StringBuilder("<h2>Plots</h2><div class=\"plots\">");
        foreach (var plot in model.Plots)
        {
            var caption = Path.GetFileNameWithoutExtension(plot).Replace('_', ' ').Replace('-', ' ');
            html.Append(CultureInfo.InvariantCulture, $"<figure><img class=\"plot\" src=\"/models/{E(model.Version.Version)}/files/{E(plot)}\" alt=\"{E(caption)}\"><figcaption>{E(caption)}</figcaption></figure>");
        }

        return html.Append("</div>").ToString();
    }

    private static string Select(string name, IReadOnlyList<ModelPageData> models, string selected)
    {
        var html = new StringBuilder($"<select name=\"{name}\">");
        foreach (var model in models)
        {
            var v = E(model.Version.Version);
            html.Append(CultureInfo.InvariantCulture, $"<option value=\"{v}\"{(model.Version.Version == selected ? " selected" : "")}>v{v}</option>");
        }

        return html.Append("</select>").ToString();
    }

    private static string Badges(RegisteredModelVersion version)
        => string.Concat(version.Aliases.Select(alias =>
            $"<span class=\"badge {(alias is ModelRegistryNames.ChampionAlias or ModelRegistryNames.ChallengerAlias ? alias : "other")}\">{E(alias)}</span>"));

    private static void Row(StringBuilder body, string name, string valueHtml) => body.Append(CultureInfo.InvariantCulture, $"<tr><th>{name}</th><td>{valueHtml}</td></tr>");

    private static string N(double? value) => value switch
    {
        null => "",
        { } v when v == Math.Floor(v) && (Math.Abs(v) >= 1 || v == 0) => v.ToString("N0", CultureInfo.InvariantCulture),
        { } v => v.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    private static string E(string text) => Html.Encode(text);

    private static string Page(string title, string body) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{E(title)} · FraudDetection models</title><style>{Style}</style></head>
        <body><header><a href="/models"><strong>FraudDetection</strong> model dictionary</a><a href="/api/training/runs">runs (JSON)</a></header>
        <main>{body}</main></body></html>
        """;
}
