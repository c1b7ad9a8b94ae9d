namespace FraudDetection.Tests.TestSupport;

/// <summary>Finds the repository root (the folder holding FraudDetection.sln) and the shared data beside it.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>../shared/data relative to the repository root (the same in a worktree and in CI).</summary>
    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    public static string KaggleSlice(string name) => Path.Combine(SharedData, "kaggle-slices", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FraudDetection.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No FraudDetection.sln above {AppContext.BaseDirectory}");
    }
}
