using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FraudDetection.Core.Hosting;
using FraudDetection.Notifier.Apis;
using FraudDetection.Notifier.Delivery;
using FraudDetection.Notifier.Extensions;
using FraudDetection.Notifier.Outbox;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Notifier;

public sealed class NotifierApiTests : IDisposable
{
    private readonly TempFolder _data = new("fd-notifier");

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Without_credentials_messages_go_to_the_dry_run_outbox_file_and_api()
    {
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.ListenOnLoopback();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DataPaths.ConfigurationKey] = _data.Path,
            ["Notifier:CoalesceWindow"] = "00:00:00",
            // No Kakao credentials and no Kafka connection: dry-run, and one clear error about Kafka.
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.AddServiceDefaults();
        builder.AddNotifierServices();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapNotifierApi();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };

        var dispatcher = app.Services.GetRequiredService<NotificationDispatcher>();
        dispatcher.Accept(new PendingAlert(TestAlerts.Make("d-1"), null, DateTimeOffset.UtcNow)).Should().BeTrue();
        (await dispatcher.DeliverDueAsync(CancellationToken.None)).Should().ContainSingle();

        var entries = JsonDocument.Parse(await http.GetStringAsync("/api/notifications")).RootElement;
        entries.GetArrayLength().Should().Be(1);
        (await http.GetAsync("/api/notifications?limit=1001")).StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest, "a page holds at most 1000");
        (await http.GetAsync("/api/notifications?limit=0")).StatusCode.Should().Be(System.Net.HttpStatusCode.BadRequest);
        var entry = entries[0];
        entry.GetProperty("trans_nums")[0].GetString().Should().Be("d-1");
        entry.GetProperty("card_masked").GetString().Should().Be("****0366");
        var request = entry.GetProperty("request");
        request.GetProperty("url").GetString().Should().Be("https://kapi.kakao.com/v2/api/talk/memo/default/send");
        request.GetProperty("headers").GetProperty("Authorization").GetString().Should().Be("Bearer ***");
        request.GetProperty("headers").GetProperty("Content-Type").GetString().Should().Be("application/x-www-form-urlencoded;charset=utf-8");
        var template = JsonDocument.Parse(request.GetProperty("form").GetProperty("template_object").GetString()!).RootElement;
        template.GetProperty("text").GetString().Should().Contain("****0366").And.Contain("이상거래");

        var file = Path.Combine(_data.Path, "notifier", "outbox.jsonl");
        var lines = await File.ReadAllLinesAsync(file);
        lines.Should().ContainSingle().Which.Should().Contain("\"d-1\"").And.Contain("이상거래", "Korean is written readable");

        var status = JsonDocument.Parse(await http.GetStringAsync("/api/notifications/status")).RootElement;
        status.GetProperty("mode").GetString().Should().Be("dry-run");
        status.GetProperty("primary").GetString().Should().Be(DryRunChannel.ChannelName);
        status.GetProperty("outcomes").GetProperty("sent").GetInt64().Should().Be(1);

        var health = await http.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        logs.Lines.Where(l => l.StartsWith("FraudDetection.Notifier", StringComparison.Ordinal) && l.Contains("ConnectionStrings:kafka is not set", StringComparison.Ordinal))
            .Should().ContainSingle("one clear error").Which.Should().NotContain("   at ", "no stack trace");

        await app.StopAsync();

        // A restart shows what was already in the outbox.
        var outbox = new NotificationOutbox(file, 10);
        outbox.Recent(10).Should().ContainSingle().Which.TransNums.Should().Equal("d-1");
    }
}
