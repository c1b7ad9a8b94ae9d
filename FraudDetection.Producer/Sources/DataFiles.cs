namespace FraudDetection.Producer.Sources;

/// <summary>
/// Finds an input file given relative to the repository: as given (current directory) first, then under each
/// parent of the current directory and of the app's folder. "dotnet run --project" runs a web project in its own
/// folder, so "data/sample.csv.gz" typed at the repository root is found one level up.
/// </summary>
public static class DataFiles
{
    public static string Resolve(string path)
    {
        if (File.Exists(path) || Path.IsPathRooted(path))
        {
            return Path.GetFullPath(path);
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, path);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return Path.GetFullPath(path);
    }
}
