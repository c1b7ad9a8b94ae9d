namespace FraudDetection.Scoring.Bench;

/// <summary><c>dotnet run -c Release --project FraudDetection.Scoring -- bench</c>: the end-to-end benchmark.</summary>
public static class ScoringBench
{
    public static bool IsCommand(string[] args) => args is ["bench", ..];

    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine("bench is not built yet");
        return Task.FromResult(2);
    }
}
