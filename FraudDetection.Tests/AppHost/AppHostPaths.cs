namespace FraudDetection.Tests.AppHost;

/// <summary>The repository root and the AppHost's built output, found from the test's own output folder.</summary>
internal static class AppHostPaths
{
    public static string Root => RepoPaths.Root;

    /// <summary>Debug or Release, as the tests themselves were built.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    /// <summary><c>FraudDetection.AppHost.dll</c> in the AppHost's own build output (built with the tests: they reference it).</summary>
    public static string AppHostDll
    {
        get
        {
            var own = Path.Combine(Root, "FraudDetection.AppHost", "bin", Configuration, "net10.0", "FraudDetection.AppHost.dll");
            if (File.Exists(own))
            {
                return own;
            }
            var beside = Path.Combine(AppContext.BaseDirectory, "FraudDetection.AppHost.dll");
            return File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json"))
                ? beside
                : throw new FileNotFoundException($"FraudDetection.AppHost.dll is not built ({own})");
        }
    }

    /// <summary>Where test artefacts (screenshots) go: TestResults/ under the repository root (git-ignored).</summary>
    public static string Artefacts
    {
        get
        {
            var path = Path.Combine(Root, "TestResults", "AppHost");
            Directory.CreateDirectory(path);
            return path;
        }
    }
}
