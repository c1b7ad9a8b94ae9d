using Microsoft.Extensions.Configuration;

namespace FraudDetection.AppHost.Hosting;

/// <summary>
/// The Aspire dashboard's own settings, from <c>dashboard.json</c> beside the app host. Its telemetry store keeps up to
/// 50,000 points of every metric series by default (69 hours at the services' 5 s export), so a run left open grew by
/// hundreds of megabytes an hour; the file keeps 15 minutes of them. Prometheus keeps the history.
/// </summary>
public static class DashboardSettings
{
    /// <summary>Aspire copies every <c>ASPIRE_DASHBOARD_</c> setting of the app host to the dashboard's environment.</summary>
    public const string ConfigFileSetting = "ASPIRE_DASHBOARD_CONFIG_FILE_PATH";

    /// <summary>The same setting under its older prefix, which Aspire still reads.</summary>
    public const string LegacyConfigFileSetting = "DOTNET_DASHBOARD_CONFIG_FILE_PATH";

    public const string FileName = "dashboard.json";

    /// <summary>Points the dashboard at <see cref="FileName"/> unless a user named a file of their own.</summary>
    public static void UseBundledFile(IDistributedApplicationBuilder builder)
    {
        if (FileFor(key => builder.Configuration[key], AppContext.BaseDirectory) is { } path)
        {
            builder.Configuration[ConfigFileSetting] = path;
        }
    }

    /// <summary>The bundled file's path, or null when one is configured already or the file is missing.</summary>
    public static string? FileFor(Func<string, string?> configuration, string baseDirectory)
    {
        if (!string.IsNullOrEmpty(configuration(ConfigFileSetting)) || !string.IsNullOrEmpty(configuration(LegacyConfigFileSetting)))
        {
            return null;
        }
        var path = Path.Combine(baseDirectory, FileName);
        return File.Exists(path) ? path : null;
    }
}
