using System.Text.Json;
using FraudDetection.Core.Models;

namespace FraudDetection.Training.Pages;

/// <summary>A registered version with its metrics.json read (null when missing or unreadable) and the PNG plots in its folder.</summary>
public sealed record ModelPageData(RegisteredModelVersion Version, ModelReport? Report, string? ReportError, IReadOnlyList<string> Plots)
{
    public static ModelPageData Load(RegisteredModelVersion version)
    {
        ModelReport? report = null;
        string? error = null;
        var path = Path.Combine(version.ModelDirectory, ModelRegistryNames.MetricsFileName);
        try
        {
            report = JsonSerializer.Deserialize(File.ReadAllBytes(path), ModelReportJsonContext.Default.ModelReport);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            error = e is FileNotFoundException ? $"no {ModelRegistryNames.MetricsFileName} in this version" : $"{ModelRegistryNames.MetricsFileName} unreadable: {e.Message}";
        }

        // The plots the report names first (its order), then any other PNG in the folder.
        var onDisk = Directory.Exists(version.ModelDirectory)
            ? Directory.EnumerateFiles(version.ModelDirectory, "*.png").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
        var plots = (report?.Plots ?? []).Where(onDisk.Contains).Concat(onDisk).Distinct().ToList();
        return new ModelPageData(version, report, error, plots);
    }

    /// <summary>Whether <paramref name="name"/> is a plain PNG file name (no folders, nothing to climb out with).</summary>
    public static bool IsPlotName(string name)
        => name.Length is > 4 and < 200
           && name.EndsWith(".png", StringComparison.OrdinalIgnoreCase)
           && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
           && !name.StartsWith('.');
}
