using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Web.Apis;
using FraudDetection.Web.Extensions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.Web;

/// <summary>The web service as its Program wires it, on 127.0.0.1 on a free port.</summary>
internal static class WebTestHost
{
    public const string Secret = "web-test-link-secret";

    public static async Task<WebApplication> StartAsync(string dataDirectory, string? bootstrap, Dictionary<string, string?>? settings = null,
        ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(AlertsApi).Assembly.GetName().Name, EnvironmentName = "Testing" });
        builder.ListenOnLoopback();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:kafka"] = bootstrap,
            ["FraudDetection:DataDirectory"] = dataDirectory,
            ["FraudDetection:AlertLinkSecret"] = Secret,
        });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        builder.AddServiceDefaults();
        builder.AddWebServices();
        var app = builder.Build();
        app.MapDefaultEndpoints();
                app.MapOverviewPage();
        app.MapOverviewApi();
        app.MapAlertPages();
        app.MapAlertsApi();
        await app.StartAsync();
        return app;
    }

    public static void Produce(string bootstrap, params FraudAlert[] alerts)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        foreach (var alert in alerts)
        {
            producer.Produce(Topics.Alerts, new Message<string, byte[]>
            {
                Key = alert.CardId,
                Value = JsonSerializer.SerializeToUtf8Bytes(alert, FraudJsonContext.Default.FraudAlert),
            });
        }
        producer.Flush(TimeSpan.FromSeconds(10)).Should().Be(0);
    }

    /// <summary>Every label on <see cref="Topics.Labels"/> within <paramref name="wait"/>, with its key.</summary>
    public static List<(string Key, FraudLabel Label)> ReadLabels(string bootstrap, int expected, TimeSpan wait)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "labels-check-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topics.Labels);
        var labels = new List<(string, FraudLabel)>();
        var deadline = DateTime.UtcNow + wait;
        // Past the expected count, keep reading a little longer: a duplicate must show up too.
        var settle = DateTime.MaxValue;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow < settle)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { Message: { } message })
            {
                labels.Add((message.Key, JsonSerializer.Deserialize(message.Value, FraudJsonContext.Default.FraudLabel)!));
            }
            if (labels.Count >= expected && settle == DateTime.MaxValue)
            {
                settle = DateTime.UtcNow + TimeSpan.FromSeconds(2);
            }
        }
        consumer.Close();
        return labels;
    }

    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in " + timeout);
            }
            await Task.Delay(100);
        }
    }
}
