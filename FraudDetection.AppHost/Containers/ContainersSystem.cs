namespace FraudDetection.AppHost.Containers;

public static class ContainersSystem
{
    public static Task<int> RunAsync(AppHostOptions options, CancellationToken cancellationToken) => Task.FromResult(0);
}
