using Microsoft.Extensions.Configuration;

namespace FraudDetection.Core.Hosting;

/// <summary>
/// Where embedded state lives (SQLite stores, model registry, MLflow-format runs, outbox, checkpoints):
/// configuration key <c>FraudDetection:DataDirectory</c>, default <c>.data</c> under the working directory.
/// </summary>
public static class DataPaths
{
    public const string ConfigurationKey = "FraudDetection:DataDirectory";
    public const string DefaultDirectory = ".data";

    public static string Root(IConfiguration configuration)
    {
        var root = Path.GetFullPath(configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : DefaultDirectory);
        Directory.CreateDirectory(root);
        return root;
    }

    /// <summary>A sub-folder of the data directory, created on first use.</summary>
    public static string Sub(IConfiguration configuration, string name)
    {
        var path = Path.Combine(Root(configuration), name);
        Directory.CreateDirectory(path);
        return path;
    }
}
