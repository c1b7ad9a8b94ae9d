namespace FraudDetection.Tests.TestSupport;

/// <summary>Finds the repository root (the folder holding FraudDetection.sln) and the test data inside it.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The test project's data folder (<c>FraudDetection.Tests/TestData</c>).</summary>
    public static string TestData => Path.Combine(Root, "FraudDetection.Tests", "TestData");

    /// <summary>The first rows of a public Kaggle file (<c>fraudTrain.head.csv</c>, <c>fraudTest.head.csv</c>), byte for byte.</summary>
    public static string KaggleSlice(string name) => Path.Combine(TestData, "kaggle", name);

    /// <summary>The bundled sample (<c>data/sample.csv.gz</c>).</summary>
    public static string Sample => Path.Combine(Root, "data", "sample.csv.gz");

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
