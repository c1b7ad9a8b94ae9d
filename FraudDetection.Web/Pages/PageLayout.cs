using System.Globalization;
using System.Net;

namespace FraudDetection.Web.Pages;

/// <summary>A link in the page header.</summary>
public sealed record NavLink(string Title, string Href);

/// <summary>
/// The shell every page of the fraud team shares: header with the navigation, the styles, and a body. Server-rendered
/// HTML (no front-end build); a page swaps in fragments it fetches or receives as server-sent events.
/// </summary>
public static class PageLayout
{
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Render(string title, IReadOnlyList<NavLink> nav, string body, string script) => $$"""
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
          h2 { font-size: 15px; margin: 4px 0 10px; } h3 { font-size: 14px; margin: 4px 0 8px; }
          table { border-collapse: collapse; width: 100%; font-size: 13px; }
          th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eceef2; vertical-align: top; }
          .counters { display: flex; gap: 12px; flex-wrap: wrap; }
          .counter { background: #f0f4fa; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
          .counter .value { font-size: 22px; font-weight: 600; }
          .counter .rate { font-size: 12px; color: #5b6475; }
          .alert { color: #b00020; font-weight: 600; }
          .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 12px; }
          .bar { background: #4a7bd0; height: 10px; display: inline-block; }
          .bar.fraud { background: #d04a4a; }
          .reasons { margin: 0; padding-left: 16px; color: #3a4a6b; }
          .muted { color: #7a8294; }
          code.command { white-space: nowrap; }
        </style>
        </head>
        <body>
        <header>
          <h1>{{E(title)}}</h1>
          {{string.Concat(nav.Select(l => $"<a href=\"{E(l.Href)}\">{E(l.Title)}</a>"))}}
        </header>
        <main>
        {{body}}
        </main>
        <script>
        {{script}}
        </script>
        </body>
        </html>
        """;
}
