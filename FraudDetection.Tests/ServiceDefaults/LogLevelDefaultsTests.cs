using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Tests.ServiceDefaults;

/// <summary>Every service starts from quiet framework logs; its own settings still win.</summary>
public sealed class LogLevelDefaultsTests
{
    [Fact]
    public async Task Requests_served_and_sent_log_only_when_they_go_wrong_and_the_services_own_logs_stay()
    {
        await using var app = Build();
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        foreach (var category in new[] { "Microsoft.AspNetCore.Hosting.Diagnostics", "Microsoft.AspNetCore.Routing.EndpointMiddleware", "System.Net.Http.HttpClient.IScoringApi.LogicalHandler", "Polly" })
        {
            var logger = loggers.CreateLogger(category);
            logger.IsEnabled(LogLevel.Information).Should().BeFalse($"{category} at Information is a line per request");
            logger.IsEnabled(LogLevel.Warning).Should().BeTrue($"{category} still says when something goes wrong");
        }
        loggers.CreateLogger("FraudDetection.Scoring.Pipeline.ScoringWorker").IsEnabled(LogLevel.Information).Should().BeTrue();
        loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information).Should().BeTrue("the addresses a service listens on are still printed");
    }

    [Fact]
    public async Task A_configured_level_overrides_the_default()
    {
        await using var app = Build(("Logging:LogLevel:Microsoft.AspNetCore", "Information"));

        app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics")
            .IsEnabled(LogLevel.Information).Should().BeTrue("appsettings, environment and command line come after the defaults");
    }

    private static WebApplication Build(params (string Key, string Value)[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));
        builder.AddServiceDefaults();
        return builder.Build();
    }
}
