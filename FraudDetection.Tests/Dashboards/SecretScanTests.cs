using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using FraudDetection.Core.Transactions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Dashboards;

/// <summary>
/// A run of Producer, Scoring, the graph and Notifier carrying the bundled sample, its alerts and notifications:
/// no log line (at every level), API answer, metric or trace attribute holds a full card number or a configured secret.
/// </summary>
[Collection(MetricsIsolation.Name)]
public sealed partial class SecretScanTests
{
    private static readonly Dictionary<string, string?> Secrets = new()
    {
        ["Kakao:AccessToken"] = "scan-access-token-7f3a",
        ["Kakao:RefreshToken"] = "scan-refresh-token-91c2",
        ["Kakao:ClientId"] = "scan-client-id-5b7e",
        ["Kakao:ClientSecret"] = "scan-client-secret-2d4f",
        ["FraudDetection:ApiKey"] = "scan-api-key-c0ffee",
    };

    [Fact]
    public async Task No_log_page_metric_or_trace_of_a_run_holds_a_card_number_or_a_secret()
    {
        var cards = TransactionCsv.ReadFile(Path.Combine(RepoPaths.Root, "data", "sample.csv.gz"))
            .Select(t => t.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var written = new ConcurrentQueue<(string Where, string Text)>();
        using var traces = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("FraudDetection", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => written.Enqueue(($"trace {activity.Source.Name}/{activity.DisplayName}",
                activity.DisplayName + " " + string.Join(' ', activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))
                + " " + string.Join(' ', activity.Events.SelectMany(e => e.Tags.Select(t => $"{e.Name}:{t.Key}={t.Value}"))))),
        };
        ActivitySource.AddActivityListener(traces);

        await using var services = new ServiceHosts
        {
            ConfigureEach = builder =>
            {
                builder.Configuration.AddInMemoryCollection(Secrets);
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
                builder.Logging.AddProvider(new CapturingLoggerProvider(written, builder.Environment.ApplicationName));
            },
        };
        await services.StartAsync();
        using var http = new HttpClient();

        // Enough traffic for alerts, notifications (Kakao refuses, the webhook takes them) and graph answers.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1000);
            var metrics = await http.GetStringAsync($"http://{services.Targets["notifier"]}/metrics");
            if (WebhookSent().IsMatch(metrics))
            {
                break;
            }
        }
        foreach (var (name, target) in services.Targets)
        {
            written.Enqueue(($"{name} /metrics", await http.GetStringAsync($"http://{target}/metrics")));
        }
        foreach (var (service, path) in new[] { ("scoring", "/api/scoring/stats"), ("graph", "/api/graph/transactions/latest?limit=1000"),
                     ("graph", "/api/graph/fraud/geo?limit=1000"), ("graph", "/api/graph/cards/impossible-travel?speedKmh=100&limit=1000"),
                     ("graph", "/api/graph/merchants/shared-by-alerted-cards?minCards=1") })
        {
            written.Enqueue(($"{service} {path}", await http.GetStringAsync($"http://{services.Targets[service]}{path}")));
        }
        var outbox = await http.GetStringAsync($"http://{services.Targets["notifier"]}/api/notifications?limit=1000");
        written.Enqueue(("notifier /api/notifications", outbox));
        written.Enqueue(("notifier /api/notifications/status", await http.GetStringAsync($"http://{services.Targets["notifier"]}/api/notifications/status")));
        written.Enqueue(("producer /api/producer", await http.GetStringAsync($"http://{services.Targets["producer"]}/api/producer")));

        var all = written.ToList();
        all.Where(w => w.Where.StartsWith("log", StringComparison.Ordinal)).Should().NotBeEmpty("the services log");
        all.Where(w => w.Where.StartsWith("trace", StringComparison.Ordinal)).Should().NotBeEmpty("the services trace");
        all.Should().Contain(w => w.Where.StartsWith("graph /api/graph/transactions/latest", StringComparison.Ordinal) && w.Text.Contains("****", StringComparison.Ordinal),
            "the graph answers with masked cards, so the scan looked at real transactions");

        var leaks = new List<string>();
        foreach (var (where, text) in all)
        {
            foreach (Match digits in LongDigitRun().Matches(text))
            {
                if (cards.Contains(digits.Value))
                {
                    leaks.Add($"{where}: card {digits.Value[^4..]} in full");
                }
            }
            foreach (var (key, secret) in Secrets)
            {
                if (text.Contains(secret!, StringComparison.Ordinal))
                {
                    leaks.Add($"{where}: {key}");
                }
            }
        }
        leaks.Distinct().Should().BeEmpty();
    }

    [GeneratedRegex(@"^fraud_notifier_sent_total\{[^}]*channel=""webhook""[^}]*\} [1-9]", RegexOptions.Multiline)]
    private static partial Regex WebhookSent();

    [GeneratedRegex(@"(?<![0-9])[0-9]{11,19}(?![0-9])")]
    private static partial Regex LongDigitRun();

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(string Where, string Text)> written, string service) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(written, $"log {service} {categoryName}");

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(ConcurrentQueue<(string Where, string Text)> written, string where) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            written.Enqueue((where, formatter(state, exception) + " " + structured + " " + exception));
        }
    }
}
