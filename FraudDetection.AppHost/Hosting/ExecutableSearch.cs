namespace FraudDetection.AppHost.Hosting;

/// <summary>Finds a command as the shell would: the first directory of <c>PATH</c> that holds it.</summary>
public static class ExecutableSearch
{
    public static string? OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command))
            .FirstOrDefault(File.Exists);
}
