using System.Globalization;
using System.Text;
using FraudDetection.Core.Telemetry;
using FraudDetection.Web.Clients;
using FraudDetection.Web.Counters;
using FraudDetection.Web.Feed;
using static FraudDetection.Web.Pages.PageLayout;

namespace FraudDetection.Web.Pages;

/// <summary>The graph panels of the KB design at one moment (any of them null while the graph does not answer).</summary>
public sealed record GraphPanels(FraudCounts? Counts, IReadOnlyList<MerchantVolume>? TopMerchants, IReadOnlyList<GraphTransaction>? Latest);

/// <summary>
/// The live overview: headline counters with their rates, the KB panels from the graph (fraud vs not fraud, top
/// merchants by volume, latest transactions with their prediction), the latest alerts with their reasons and the live
/// feed of scored transactions. Every card number on it is masked to its last 4 digits.
/// </summary>
public static class OverviewPage
{
    public static string Render(IReadOnlyList<NavLink> nav, string counters, string panels, string feed) => PageLayout.Render(
        "FraudDetection — live overview",
        nav,
        $"""
        <section><h2>Counters</h2><div id="counters">{counters}</div></section>
        <section><h2>Graph panels</h2><div id="panels">{panels}</div></section>
        <section><h2>Live feed</h2><div id="feed">{feed}</div></section>
        """,
        """
          // Swap in server-rendered fragments: counters every 2 s, graph panels every 5 s, the feed as server-sent events.
          async function swap(id, url) {
            try {
              const r = await fetch(url, { cache: 'no-store' });
              if (r.ok) document.getElementById(id).innerHTML = await r.text();
            } catch (e) { /* the service may be restarting */ }
          }
          setInterval(() => swap('counters', '/fragments/counters'), 2000);
          setInterval(() => swap('panels', '/fragments/panels'), 5000);
          const feed = new EventSource('/api/web/feed');
          feed.addEventListener('feed', e => { document.getElementById('feed').innerHTML = e.data; });
        """);

    public static string Counters(IReadOnlyList<CounterReading> readings, LiveQuality? quality = null, ProducerStatus? stream = null)
    {
        var html = new StringBuilder(Quality(quality)).Append(Stream(stream)).Append("<div class=\"counters\">");
        foreach (var c in readings)
        {
            var value = c.Total is { } total ? N(total) : "—";
            html.Append(CultureInfo.InvariantCulture,
                $"<div class=\"counter\" data-counter=\"{E(c.Key)}\" data-value=\"{c.Total ?? -1}\" title=\"{E(c.Counts)} (from {E(c.Source)})\"><div class=\"value\">{value}</div><div>{E(c.Label)}</div><div class=\"rate\">{(c.PerSecond is { } rate ? N(rate, "N1") : "—")}/s</div></div>");
        }
        return html.Append("</div><p class=\"muted\">Each service counts from its own start; notifications and graph edges are kept across restarts. Hover a counter for what it counts.</p>").ToString();
    }

    /// <summary>
    /// What the Producer is doing, so that a quiet overview says why: sending (source and rate), stopped, failed, or done
    /// with a replay that does not loop (with how to keep the stream going).
    /// </summary>
    public static string Stream(ProducerStatus? stream)
    {
        if (stream is null)
        {
            return "";
        }
        var source = string.IsNullOrEmpty(stream.Source) ? "its source" : E(stream.Source);
        var text = stream.State switch
        {
            "running" => $"The Producer is sending {source} at {N(stream.Rate, "N0")} transactions a second.",
            "finished" => $"The Producer has sent every row of {source}: the stream has ended, and the counters below stop here. " +
                "To keep it flowing, start the app host with <code class=\"command\">dotnet run --project FraudDetection.AppHost -- --loop</code> (each pass with new transaction numbers), " +
                "or send a burst of a fraud pattern (<code>POST /api/producer/burst</code> on the Producer).",
            "stopped" => "The Producer is stopped: <code>POST /api/producer/start</code> on the Producer starts it again.",
            "faulted" => "The Producer stopped on an error: its log in the Aspire dashboard says which.",
            _ => $"The Producer is {E(stream.State)}.",
        };
        return $"<p class=\"stream muted\" data-stream=\"{E(stream.State)}\">{text}</p>";
    }

    /// <summary>
    /// How well the running model catches the labelled fraud of the replay, counted by Scoring as it scores:
    /// caught (alert on fraud), missed (fraud without alert), false alerts, and precision, recall and alert rate.
    /// </summary>
    public static string Quality(LiveQuality? quality)
    {
        if (quality is null || quality.Labelled == 0)
        {
            return "<div class=\"quality\" data-panel=\"quality\"><span class=\"muted\">Live precision and recall appear once labelled transactions (a replay of labelled data) are scored.</span></div>";
        }
        static string Share(double? value) => value is { } v ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";
        return string.Create(CultureInfo.InvariantCulture, $"""
            <div class="quality" data-panel="quality" data-tp="{quality.TruePositives}" data-fp="{quality.FalsePositives}" data-fn="{quality.FalseNegatives}" data-tn="{quality.TrueNegatives}">
            <h3>Live quality over {N(quality.Labelled)} labelled transactions</h3>
            <div class="counters">
            <div class="counter"><div class="value">{Share(quality.Precision)}</div><div>precision</div><div class="rate">alerts that were fraud</div></div>
            <div class="counter"><div class="value">{Share(quality.Recall)}</div><div>recall</div><div class="rate">fraud that was alerted</div></div>
            <div class="counter"><div class="value">{N(quality.TruePositives)}</div><div>fraud caught</div></div>
            <div class="counter"><div class="value alert">{N(quality.FalseNegatives)}</div><div>fraud missed</div></div>
            <div class="counter"><div class="value">{N(quality.FalsePositives)}</div><div>false alerts</div></div>
            <div class="counter"><div class="value">{Share(quality.AlertRate)}</div><div>alert rate</div></div>
            </div></div>
            """);
    }

    public static string Panels(GraphPanels panels)
    {
        var html = new StringBuilder("<div class=\"panels\">");

        html.Append("<div><h3>Fraud vs not fraud</h3>");
        if (panels.Counts is { } c)
        {
            var total = Math.Max(1, c.Transactions);
            html.Append(CultureInfo.InvariantCulture, $"""
                <div data-panel="fraud-counts" data-transactions="{c.Transactions}" data-alerts="{c.Alerts}">
                <div>fraud (alert): <b class="alert">{N(c.Alerts)}</b> <span class="bar fraud" style="width:{N(200.0 * c.Alerts / total, "F0")}px"></span></div>
                <div>not fraud: <b>{N(c.NotAlerts)}</b> <span class="bar" style="width:{N(200.0 * c.NotAlerts / total, "F0")}px"></span></div>
                <div class="muted">labelled in the data: {N(c.LabelledFraud)} fraud, {N(c.LabelledNotFraud)} not fraud</div>
                </div>
                """);
        }
        else
        {
            html.Append(Unavailable(ServiceNames.Graph));
        }
        html.Append("</div>");

        html.Append("<div><h3>Top merchants by volume</h3>");
        if (panels.TopMerchants is { } merchants)
        {
            html.Append("<table data-panel=\"top-merchants\"><tr><th>merchant</th><th>transactions</th><th>amount</th></tr>");
            foreach (var m in merchants)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(MerchantNames.Display(m.Merchant))}</td><td>{N(m.Transactions)}</td><td>{N(m.TotalAmount, "N2")}</td></tr>");
            }
            html.Append("</table>");
        }
        else
        {
            html.Append(Unavailable(ServiceNames.Graph));
        }
        html.Append("</div></div>");

        html.Append("<h3>Latest transactions</h3>");
        if (panels.Latest is { } latest)
        {
            html.Append("<table data-panel=\"latest\"><tr><th>time</th><th>card</th><th>amount</th><th>merchant</th><th>category</th><th>score</th><th>prediction</th><th>label</th><th>model</th></tr>");
            foreach (var t in latest)
            {
                html.Append(CultureInfo.InvariantCulture,
                    $"<tr class=\"tx-row\"><td>{E(t.Time)}</td><td>{E(t.Card)}</td><td>{N(t.Amount, "N2")}</td><td>{E(MerchantNames.Display(t.Merchant))}</td><td>{E(t.Category)}</td><td>{N(t.Score, "F3")}</td><td>{Prediction(t.IsAlert)}</td><td>{Label(t.IsFraud)}</td><td>{E(t.ModelVersion)}</td></tr>");
            }
            html.Append("</table>");
        }
        else
        {
            html.Append(Unavailable(ServiceNames.Graph));
        }
        return html.ToString();
    }

    public static string Feed(FeedSnapshot feed)
    {
        var html = new StringBuilder("<div class=\"panels\">");
        html.Append(CultureInfo.InvariantCulture,
            $"<div><h3>Latest alerts</h3><table data-panel=\"alerts\" data-alerted=\"{feed.Alerted}\"><tr><th>raised</th><th>card</th><th>amount</th><th>merchant</th><th>score</th><th>reasons</th></tr>");
        foreach (var a in feed.Alerts)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"alert-row\" data-alert=\"{E(a.AlertId)}\"><td>{a.RaisedAt:HH:mm:ss}</td><td>{E(a.CardMasked)}</td><td>{N(a.Amount, "N2")}</td><td>{E(MerchantNames.Display(a.Merchant))}</td><td class=\"alert\">{N(a.Score, "F3")} ≥ {N(a.Threshold, "F3")}</td><td><ul class=\"reasons\">");
            foreach (var r in a.Reasons)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(r.Feature)} = {N(r.Value, "G4")} ({(r.Contribution >= 0 ? "+" : "")}{N(r.Contribution, "F2")})</li>");
            }
            html.Append("</ul></td></tr>");
        }
        html.Append("</table></div>");

        html.Append(CultureInfo.InvariantCulture,
            $"<div><h3>Scored transactions as they arrive</h3><table data-panel=\"live\" data-seen=\"{feed.Seen}\"><tr><th>time</th><th>card</th><th>amount</th><th>merchant</th><th>score</th><th>prediction</th><th>top reason</th></tr>");
        foreach (var t in feed.Latest)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"live-row\"><td>{t.Time:yyyy-MM-dd HH:mm:ss}</td><td>{E(t.CardMasked)}</td><td>{N(t.Amount, "N2")}</td><td>{E(MerchantNames.Display(t.Merchant))}</td><td>{N(t.Score, "F3")}</td><td>{Prediction(t.IsAlert)}</td><td>{E(t.TopReason)}</td></tr>");
        }
        return html.Append("</table></div></div>").ToString();
    }

    private static string Prediction(bool isAlert) => isAlert ? "<span class=\"alert\">fraud</span>" : "ok";

    private static string Label(int? isFraud) => isFraud switch { 1 => "fraud", 0 => "ok", _ => "" };

    private static string Unavailable(string service) => $"<p class=\"muted\" data-unavailable=\"{E(service)}\">{E(service)} does not answer yet.</p>";
}
