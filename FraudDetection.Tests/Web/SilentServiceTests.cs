using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FraudDetection.Tests.Notifier;
using FraudDetection.Web.Clients;
using FraudDetection.Web.Extensions;

namespace FraudDetection.Tests.Web;

/// <summary>
/// A service that takes connections but does not answer yet (a process still starting behind the app host's proxy): the
/// web's pages and counters wait for it no longer than their read timeout, and say so once, as a warning.
/// </summary>
public sealed class SilentServiceTests : IDisposable
{
    private readonly TempFolder _data = new("fd-web-silent");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task A_service_that_takes_the_connection_but_never_answers_is_shown_as_not_answering_with_one_warning_and_no_error()
    {
        // The kernel completes the handshake for the listener's backlog: connected, then silence.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
            var services = new[] { ServiceNames.Producer, ServiceNames.Scoring, ServiceNames.Notifier, ServiceNames.Graph };
            var logs = new CapturingLoggerProvider();
            await using var web = await WebTestHost.StartAsync(_data.Path, bootstrap: null,
                services.ToDictionary(s => $"services:{s}:http:0", _ => (string?)url), logs);
            using var http = new HttpClient { BaseAddress = new Uri(web.Urls.First()) };

            // The default pipeline would retry each read for up to 30 s; a poller's retry is its next poll.
            var deadline = DateTime.UtcNow + WebServiceExtensions.ServiceReadTimeout * 3;
            while (DateTime.UtcNow < deadline && !services.All(s => logs.Lines.Any(l => l.Contains($"Counters: {s} does not answer"))))
            {
                await Task.Delay(100);
            }

            services.Should().OnlyContain(s => logs.Lines.Count(l => l.Contains($"Counters: {s} does not answer")) == 1,
                "each service that stops answering is said once, not at every poll");
            logs.Lines.Should().NotContain(l => l.Contains(" Error ") || l.Contains(" Critical "),
                "a service still starting is not an error of the web's");
            var counters = JsonDocument.Parse(await http.GetStringAsync("/api/web/counters")).RootElement;
            counters.EnumerateArray().Should().OnlyContain(c => c.GetProperty("total").ValueKind == JsonValueKind.Null);
            var page = await http.GetStringAsync("/");
            page.Should().Contain($"data-unavailable=\"{ServiceNames.Graph}\"", "the page renders without the graph's panels");
        }
        finally
        {
            silent.Stop();
        }
    }
}
