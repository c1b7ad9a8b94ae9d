using FraudDetection.Core.Hosting;
using FraudDetection.Training.Options;
using Microsoft.Extensions.Options;

namespace FraudDetection.Training.Pipeline;

/// <summary>Finds the configured training files (relative to the working directory or the repository root) and the work folder.</summary>
public sealed class TrainingDataLocator(IOptions<TrainingOptions> options, IConfiguration configuration, IHostEnvironment environment)
{
    public const string BundledSample = "data/sample.csv.gz";

    /// <summary>The data files of a run, each checked to exist; a missing one is named in the error.</summary>
    public IReadOnlyList<string> Resolve()
    {
        var configured = options.Value.DataFiles.Where(file => !string.IsNullOrWhiteSpace(file)).ToList();
        var wanted = configured.Count > 0 ? configured : [BundledSample];
        var found = new List<string>();
        foreach (var file in wanted)
        {
            var path = Locate(file) ?? throw new FileNotFoundException(
                $"Training data file '{file}' was not found (looked in '{environment.ContentRootPath}', '{Directory.GetCurrentDirectory()}' and the repository root); set Training:DataFiles.", file);
            found.Add(path);
        }

        return found;
    }

    public string WorkDirectory()
        => options.Value.WorkDirectory is { Length: > 0 } configured ? Path.GetFullPath(configured) : DataPaths.Sub(configuration, "training");

    private string? Locate(string file)
    {
        if (Path.IsPathRooted(file))
        {
            return File.Exists(file) ? file : null;
        }

        foreach (var start in new[] { environment.ContentRootPath, Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, file);
                if (File.Exists(candidate))
                {
                    return candidate;
                }

                if (File.Exists(Path.Combine(directory.FullName, "FraudDetection.sln")))
                {
                    break; // the repository root: look no higher
                }
            }
        }

        return null;
    }
}
