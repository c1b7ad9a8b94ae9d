using System.Globalization;
using FraudDetection.Web.Alerts;
using static FraudDetection.Web.Pages.PageLayout;

namespace FraudDetection.Web.Pages;

/// <summary>
/// The card holder's answer page (no navigation, nothing but the alert's own masked details) and the analysts' queue.
/// Both work without JavaScript: plain form posts; the answer page's script only posts the same answer as JSON.
/// </summary>
public static class AlertPages
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The reasons of an alert in plain words, strongest first, each phrase once.</summary>
    public static IReadOnlyList<string> PlainReasons(IReadOnlyList<FeatureContribution> reasons)
    {
        var phrases = AnalystReasons(reasons, limit: int.MaxValue).Select(r => r.Phrase).ToList();
        return phrases.Count > 0 ? phrases : [ReasonPhrases.Describe(null, english: true)];
    }

    /// <summary>
    /// The analysts' view of the reasons: up to <paramref name="limit"/> plain phrases, strongest first, each with every
    /// feature behind it and its contribution (two amount features are one reason, not two lines saying the same).
    /// </summary>
    public static IReadOnlyList<(string Phrase, IReadOnlyList<FeatureContribution> Features)> AnalystReasons(
        IReadOnlyList<FeatureContribution> reasons, int limit = 3) =>
        [.. reasons.Where(r => r.Contribution > 0).OrderByDescending(r => r.Contribution)
            .GroupBy(r => ReasonPhrases.Describe(r.Feature, english: true))
            .Take(limit)
            .Select(g => (g.Key, (IReadOnlyList<FeatureContribution>)[.. g]))];

    public static string Money(double amount, string currency) => currency.ToUpperInvariant() switch
    {
        "USD" => "$" + amount.ToString("N2", Invariant),
        "EUR" => "€" + amount.ToString("N2", Invariant),
        "KRW" => "₩" + amount.ToString("N0", Invariant),
        _ => amount.ToString("N2", Invariant) + " " + currency,
    };

    /// <summary>The card holder's page: what was paid, why it was flagged, and the two answers (or the answer given).</summary>
    public static string Holder(StoredAlert alert, string token, string? notice)
    {
        var action = $"/alerts/{Uri.EscapeDataString(alert.AlertId)}/answer?t={Uri.EscapeDataString(token)}";
        var api = $"/api/alerts/{Uri.EscapeDataString(alert.AlertId)}/feedback?t={Uri.EscapeDataString(token)}";
        var answered = alert.HolderAnswer switch
        {
            HolderAnswers.Me => "You told us this payment was yours. Thank you.",
            HolderAnswers.NotMe => "You told us this payment was not yours. Our fraud team is on it; we will contact you.",
            _ => null,
        };
        var form = answered is not null
            ? $"<p id=\"answer\" class=\"answered\">{E(answered)}</p>"
            : $"""
              <form id="answer" method="post" action="{E(action)}" data-api="{E(api)}">
                <p>Did you make this payment?</p>
                <button type="submit" name="verdict" value="{HolderAnswers.Me}" id="me">It was me</button>
                <button type="submit" name="verdict" value="{HolderAnswers.NotMe}" id="not-me" class="danger">It wasn't me</button>
              </form>
              """;
        var body = $"""
            <section id="alert">
              <h2>A payment on your card {E(alert.CardMasked)} looked unusual</h2>
              <table>
                <tr><th>Card</th><td id="card">{E(alert.CardMasked)}</td></tr>
                <tr><th>Amount</th><td id="amount">{E(Money(alert.Amount, alert.Currency))}</td></tr>
                <tr><th>Merchant</th><td id="merchant">{E(MerchantNames.Display(alert.Merchant))}</td></tr>
                <tr><th>Time</th><td id="time">{alert.LocalTime.ToString("yyyy-MM-dd HH:mm", Invariant)} (local)</td></tr>
              </table>
              <h3>Why we asked</h3>
              <ul class="reasons" id="reasons">{string.Concat(PlainReasons(alert.Reasons).Select(r => $"<li>{E(r)}</li>"))}</ul>
            </section>
            <section>
              {(notice is null ? "" : $"<p id=\"notice\">{E(notice)}</p>")}
              {form}
            </section>
            """;
        // With JavaScript the same answer goes to the JSON API and the page says what happened without reloading.
        const string script = """
            const form = document.getElementById('answer');
            if (form && form.tagName === 'FORM') {
              form.addEventListener('submit', async (event) => {
                event.preventDefault();
                const verdict = event.submitter ? event.submitter.value : 'me';
                form.querySelectorAll('button').forEach(b => b.disabled = true);
                const response = await fetch(form.dataset.api, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ verdict }) });
                const text = response.status === 202
                  ? (verdict === 'not_me' ? 'You told us this payment was not yours. Our fraud team is on it; we will contact you.' : 'You told us this payment was yours. Thank you.')
                  : response.status === 409 ? 'This alert has already been answered.' : 'Sorry, your answer could not be recorded. Please try again later.';
                const p = document.createElement('p');
                p.id = 'answer'; p.className = 'answered'; p.textContent = text;
                form.replaceWith(p);
              });
            }
            """;
        return Render("Was this you?", [], body, script);
    }

    /// <summary>The page a wrong, missing or expired link gets: the same whatever was wrong.</summary>
    public static string NotFound() =>
        Render("Link not valid", [], "<section><p>This link is not valid. Please use the link in the message you received.</p></section>", "");

    /// <summary>The analysts' queue: the filter, and one row per alert with its decisions and the card's other alerts.</summary>
    public static string Queue(IReadOnlyList<NavLink> nav, AlertQueueFilter filter, IReadOnlyList<StoredAlert> alerts,
        Func<StoredAlert, IReadOnlyList<StoredAlert>> cardHistory)
    {
        var statuses = new[] { "pending", "all" }.Concat(AlertStatuses.All)
            .Select(s => $"<option value=\"{s}\"{(s == filter.Status ? " selected" : "")}>{s}</option>");
        var rows = alerts.Select(a => $"""
            <tr data-alert="{E(a.AlertId)}">
              <td>{a.RaisedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Invariant)}<br><span class="muted">{a.LocalTime.ToString("yyyy-MM-dd HH:mm", Invariant)} local</span></td>
              <td>{E(a.CardMasked)}<br><span class="muted">{E(a.CardId)}</span></td>
              <td>{E(Money(a.Amount, a.Currency))}<br>{E(MerchantNames.Display(a.Merchant))}<br><span class="muted">{E(a.Category)}</span></td>
              <td class="score">{a.Score.ToString("0.000", Invariant)}<br><span class="muted">threshold {a.Threshold.ToString("0.000", Invariant)}<br>model {E(a.ModelVersion)}</span></td>
              <td><ul class="reasons">{string.Concat(AnalystReasons(a.Reasons).Select(r =>
                  $"<li>{E(r.Phrase)} <span class=\"muted\">({string.Join(", ", r.Features.Select(f => $"{E(f.Feature)} +{f.Contribution.ToString("0.00", Invariant)}"))})</span></li>"))}</ul></td>
              <td class="holder">{E(a.HolderAnswer switch { HolderAnswers.Me => "it was me", HolderAnswers.NotMe => "it wasn't me", _ => "—" })}</td>
              <td class="status">{E(a.Status)}</td>
              <td>{Verdict(a)}</td>
              <td class="history">{History(cardHistory(a))}</td>
            </tr>
            """);
        var body = $"""
            <section>
              <h2>Alert queue</h2>
              <form method="get" action="/alerts" id="filter">
                <label>Status <select name="status">{string.Concat(statuses)}</select></label>
                <label>From (UTC) <input type="datetime-local" name="from" value="{Local(filter.From)}"></label>
                <label>To (UTC) <input type="datetime-local" name="to" value="{Local(filter.To)}"></label>
                <label>Rows <input type="number" name="limit" min="1" max="{QueryBounds.MaxPageSize}" value="{filter.Limit}"></label>
                <button type="submit">Show</button>
              </form>
              <p class="muted">{alerts.Count} alerts, newest first. Earlier alerts of the same card are listed from web's own store
              (the graph service offers a card's transactions only by full card number, which web never holds).</p>
              <table id="queue">
                <tr><th>Raised (UTC)</th><th>Card</th><th>Payment</th><th>Score</th><th>Reasons</th><th>Holder</th><th>Status</th><th>Verdict</th><th>Card's other alerts</th></tr>
                {string.Concat(rows)}
              </table>
            </section>
            """;
        return Render("Alert queue", nav, body, "");
    }

    private static string Verdict(StoredAlert alert) => alert.AnalystVerdict is { } verdict
        ? E(verdict)
        : $"""
          <form method="post" action="/alerts/{E(Uri.EscapeDataString(alert.AlertId))}/verdict">
            <button type="submit" name="label" value="{LabelValues.Fraud}">Fraud</button>
            <button type="submit" name="label" value="{LabelValues.Genuine}">Genuine</button>
          </form>
          """;

    private static string History(IReadOnlyList<StoredAlert> others) => others.Count == 0
        ? "<span class=\"muted\">none</span>"
        : "<ul class=\"reasons\">" + string.Concat(others.Select(o =>
            $"<li>{o.LocalTime.ToString("yyyy-MM-dd HH:mm", Invariant)} {E(Money(o.Amount, o.Currency))} {E(MerchantNames.Display(o.Merchant))} <span class=\"muted\">{E(o.Status)}</span></li>")) + "</ul>";

    private static string Local(DateTime? time) => time?.ToString("yyyy-MM-dd'T'HH:mm", Invariant) ?? "";
}

/// <summary>The queue's filter as the page and <c>GET /api/alerts</c> take it.</summary>
public sealed record AlertQueueFilter(string Status, DateTime? From, DateTime? To, int Limit);
