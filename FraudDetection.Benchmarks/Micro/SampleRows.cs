using FraudDetection.Benchmarks.Cli;

namespace FraudDetection.Benchmarks.Micro;

/// <summary>The first rows of the bundled sample, read once per process for the suites.</summary>
internal static class SampleRows
{
    private static readonly Lazy<IReadOnlyList<Transaction>> Rows = new(() =>
        TransactionCsv.ReadFile(RepositoryFiles.Resolve(RepositoryFiles.SampleRelativePath)).Take(100_000).ToList());

    public static IReadOnlyList<Transaction> All => Rows.Value;
}
