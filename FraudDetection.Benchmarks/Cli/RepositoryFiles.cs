namespace FraudDetection.Benchmarks.Cli;

/// <summary>Where the benchmarks find the repository (data/sample.csv.gz, .data) from wherever they are started.</summary>
public static class RepositoryFiles
{
    public const string SampleRelativePath = "data/sample.csv.gz";

    /// <summary>The folder holding FraudDetection.sln, above the working directory or the build output.</summary>
    public static string Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "FraudDetection.sln")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("run the benchmarks from the repository (FraudDetection.sln not found)");
    }

    /// <summary>A data file: as given when it exists, else relative to the repository root.</summary>
    public static string Resolve(string path)
    {
        if (File.Exists(path) || Path.IsPathRooted(path))
        {
            return Path.GetFullPath(path);
        }
        return Path.Combine(Root(), path);
    }
}
