namespace FraudDetection.Training.Cli;

/// <summary>The command line: <c>dotnet run --project FraudDetection.Training -- &lt;command&gt;</c>.</summary>
public static class TrainingCli
{
    public static bool IsCommand(string[] args) => args.Length > 0 && !args[0].StartsWith('-');

    public static Task<int> RunAsync(string[] args)
    {
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return Task.FromResult(2);
    }
}
