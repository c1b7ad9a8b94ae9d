using System.Globalization;
using System.Net;
using System.Text;

namespace FraudDetection.AppHost.Dashboard;

/// <summary>Server-rendered HTML of the page and of the fragments the page swaps in (no front-end build step).</summary>
public static class DashboardPage
{
    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Render(string title, string counters, string resources, string feed, string traces) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{E(title)}}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
          header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 24px; align-items: center; }
          header h1 { font-size: 18px; margin: 0; }
          header a { color: #9fd0ff; text-decoration: none; }
          main { padding: 12px 20px; display: grid; gap: 16px; }
          section { background: #fff; border-radius: 6px; padding: 10px 14px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
          h2 { font-size: 15px; margin: 4px 0 10px; }
          table { border-collapse: collapse; width: 100%; font-size: 13px; }
          th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef2; vertical-align: top; }
          .counters { display: flex; gap: 12px; flex-wrap: wrap; }
          .counter { background: #f0f4fa; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
          .counter .value { font-size: 22px; font-weight: 600; }
          .counter .rate { font-size: 12px; color: #5b6475; }
          .badge { border-radius: 10px; padding: 1px 8px; font-size: 12px; }
          .Healthy { background: #d8f3df; color: #145c2a; } .Degraded { background: #fff1c2; color: #6b5200; }
          .Unhealthy { background: #ffd9d9; color: #8a1010; } .Unknown { background: #e6e8ec; color: #444; }
          .alert { color: #b00020; font-weight: 600; }
          .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
          .bar { background: #4a7bd0; height: 10px; display: inline-block; }
          .bar.fraud { background: #d04a4a; }
          .waterfall { position: relative; height: 16px; background: #f3f4f6; }
          .span { position: absolute; top: 2px; height: 12px; background: #6c8fd8; min-width: 2px; border-radius: 2px; }
          .span.error { background: #d04a4a; }
          details summary { cursor: pointer; color: #3a4a6b; }
          pre.logs { font-size: 11px; max-height: 220px; overflow: auto; background: #1d2330; color: #dfe6f3; padding: 6px; margin: 4px 0; }
          .muted { color: #7a8294; }
        </style>
        </head>
        <body>
        <header>
          <h1>{{E(title)}}</h1>
          <a href="/models">Model dictionary</a>
          <a href="/api/notifications">Outbox</a>
          <a href="/metrics">Metrics</a>
          <a href="/health">Health</a>
          <a href="/api/apphost/state">State (JSON)</a>
        </header>
        <main>
          <section><h2>Counters</h2><div id="counters">{{counters}}</div></section>
          <section><h2>Resources</h2><div id="resources">{{resources}}</div></section>
          <section><h2>Live feed</h2><div id="feed">{{feed}}</div></section>
          <section><h2>Recent traces</h2><div id="traces">{{traces}}</div></section>
        </main>
        <script>
          // Swap in server-rendered fragments; keep open <details> open across refreshes.
          async function swap(id, url) {
            try {
              const r = await fetch(url, { cache: 'no-store' });
              if (!r.ok) return;
              const el = document.getElementById(id);
              const open = [...el.querySelectorAll('details[open]')].map(d => d.id);
              el.innerHTML = await r.text();
              open.forEach(o => { const d = document.getElementById(o); if (d) d.open = true; });
            } catch (e) { /* the host may be stopping */ }
          }
          setInterval(() => swap('counters', '/api/apphost/fragments/counters'), 1000);
          setInterval(() => swap('resources', '/api/apphost/fragments/resources'), 2000);
          setInterval(() => swap('traces', '/api/apphost/fragments/traces'), 3000);
          const feed = new EventSource('/api/apphost/feed');
          feed.addEventListener('feed', e => { document.getElementById('feed').innerHTML = e.data; });
        </script>
        </body>
        </html>
        """;

    public static string Counters(IReadOnlyList<CounterReading> readings)
    {
        var html = new StringBuilder("<div class=\"counters\">");
        foreach (var c in readings)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<div class=\"counter\" data-counter=\"{E(c.Key)}\" data-value=\"{c.Total}\"><div class=\"value\">{N(c.Total)}</div><div>{E(c.Label)}</div><div class=\"rate\">{N(c.PerSecond, "N1")}/s</div></div>");
        }
        return html.Append("</div>").ToString();
    }

    public static string Resources(IReadOnlyList<ResourceView> resources)
    {
        var html = new StringBuilder("<table><thead><tr><th>resource</th><th>kind</th><th>state</th><th>health</th><th>endpoints</th><th>checks</th><th>logs</th></tr></thead><tbody>");
        foreach (var r in resources)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"resource\" data-resource=\"{E(r.Name)}\" data-health=\"{E(r.Health)}\" data-state=\"{E(r.State)}\">");
            html.Append(CultureInfo.InvariantCulture, $"<td><b>{E(r.Name)}</b><div class=\"muted\">{E(r.Description)}</div></td>");
            html.Append(CultureInfo.InvariantCulture, $"<td>{E(r.Kind)}</td><td>{E(r.State)}</td>");
            html.Append(CultureInfo.InvariantCulture, $"<td><span class=\"badge {E(r.Health)}\">{E(r.Health)}</span></td><td>");
            foreach (var endpoint in r.Endpoints)
            {
                html.Append(endpoint.StartsWith('/') && !endpoint.Contains('{')
                    ? $"<div><a href=\"{E(endpoint)}\">{E(endpoint)}</a></div>"
                    : $"<div>{E(endpoint)}</div>");
            }
            html.Append("</td><td>");
            foreach (var check in r.Checks)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<div title=\"{E(check.Description)}\">{E(check.Name)}: <span class=\"badge {E(check.Status)}\">{E(check.Status)}</span></div>");
            }
            html.Append(CultureInfo.InvariantCulture, $"</td><td><details id=\"logs-{E(r.Name)}\"><summary>{r.Logs.Count} lines</summary><pre class=\"logs\">");
            foreach (var line in r.Logs.Reverse())
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"{line.At:HH:mm:ss} {E(Short(line.Level))} {E(line.Category[(line.Category.LastIndexOf('.') + 1)..])}: {E(line.Message)}\n");
            }
            html.Append("</pre></details></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Feed(FeedSnapshot feed)
    {
        var html = new StringBuilder("<div class=\"panels\">");

        // KB panel: fraud vs not-fraud counts (predicted), with the labelled count beside it.
        var total = Math.Max(1, feed.Scored);
        html.Append(CultureInfo.InvariantCulture, $"""
            <div><h3>Fraud vs not fraud</h3>
            <div data-panel="fraud-counts" data-scored="{feed.Scored}" data-fraud="{feed.PredictedFraud}">
            <div>fraud (alert): <b class="alert">{N(feed.PredictedFraud)}</b> <span class="bar fraud" style="width:{N(200.0 * feed.PredictedFraud / total, "F0")}px"></span></div>
            <div>not fraud: <b>{N(feed.PredictedNotFraud)}</b> <span class="bar" style="width:{N(200.0 * feed.PredictedNotFraud / total, "F0")}px"></span></div>
            <div class="muted">labelled fraud in the replayed data: {N(feed.LabelledFraud)} of {N(feed.Scored)} seen by this page</div>
            </div></div>
            """);

        // KB panel: top merchants by volume.
        html.Append("<div><h3>Top merchants by volume</h3><table data-panel=\"top-merchants\"><tr><th>merchant</th><th>transactions</th><th>alerts</th></tr>");
        foreach (var m in feed.TopMerchants)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(m.Merchant)}</td><td>{N(m.Transactions)}</td><td>{N(m.Alerts)}</td></tr>");
        }
        html.Append("</table></div>");

        // Latest alerts.
        html.Append("<div><h3>Latest alerts</h3><table data-panel=\"alerts\"><tr><th>raised</th><th>card</th><th>amount</th><th>merchant</th><th>score</th><th>top reason</th></tr>");
        foreach (var a in feed.Alerts)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"alert-row\"><td>{a.RaisedAt:HH:mm:ss}</td><td>{E(a.CardMasked)}</td><td>{N(a.Amount, "N2")}</td><td>{E(a.Merchant)}</td><td class=\"alert\">{N(a.Score, "F3")}</td><td>{E(a.TopReason)}</td></tr>");
        }
        html.Append("</table></div></div>");

        // KB panel: latest transactions with prediction.
        html.Append("<h3>Latest transactions</h3><table data-panel=\"latest\"><tr><th>time</th><th>card</th><th>amount</th><th>merchant</th><th>category</th><th>score</th><th>prediction</th><th>label</th><th>model</th></tr>");
        foreach (var t in feed.Latest)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"tx-row\"><td>{t.Time:yyyy-MM-dd HH:mm:ss}</td><td>{E(t.CardMasked)}</td><td>{N(t.Amount, "N2")}</td><td>{E(t.Merchant)}</td><td>{E(t.Category)}</td><td>{N(t.Score, "F3")}</td><td>{(t.IsAlert ? "<span class=\"alert\">fraud</span>" : "ok")}</td><td>{(t.LabelFraud is { } l ? (l == 1 ? "fraud" : "ok") : "")}</td><td>{E(t.ModelVersion)}</td></tr>");
        }
        return html.Append("</table>").ToString();
    }

    public static string Traces(IReadOnlyList<TraceGroup> traces)
    {
        if (traces.Count == 0)
        {
            return "<p class=\"muted\">No spans yet.</p>";
        }
        var html = new StringBuilder();
        var first = true;
        foreach (var trace in traces)
        {
            var start = trace.StartUtc;
            var total = Math.Max(0.001, (trace.EndUtc - start).TotalMilliseconds);
            html.Append(CultureInfo.InvariantCulture,
                $"<details class=\"trace\"{(first ? " open" : "")} id=\"trace-{E(trace.TraceId)}\" data-trace=\"{E(trace.TraceId)}\"><summary>{start:HH:mm:ss.fff} · {E(string.Join(" → ", trace.Sources.Select(s => s.Replace("FraudDetection.", ""))))} · {trace.Spans.Count} spans · {N(total, "F1")} ms</summary><table>");
            foreach (var span in trace.Spans.OrderBy(s => s.StartUtc))
            {
                var left = 100 * (span.StartUtc - start).TotalMilliseconds / total;
                var width = 100 * span.Duration.TotalMilliseconds / total;
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr><td style=\"width:30%\">{E(span.Source.Replace("FraudDetection.", ""))} · {E(span.Name)}</td><td style=\"width:10%\">{N(span.Duration.TotalMilliseconds, "F2")} ms</td><td><div class=\"waterfall\"><div class=\"span{(span.Error ? " error" : "")}\" style=\"left:{N(left, "F2")}%;width:{N(width, "F2")}%\"></div></div></td></tr>");
            }
            html.Append("</table></details>");
            first = false;
        }
        return html.ToString();
    }

    private static string Short(LogLevel level) => level switch
    {
        LogLevel.Information => "info",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRIT",
        _ => level.ToString().ToLowerInvariant(),
    };
}
