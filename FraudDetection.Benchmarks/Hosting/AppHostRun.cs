using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Benchmarks.Hosting;

/// <summary>
/// The real app host started as Aspire's test host starts it (every service its own process, the development broker,
/// every port chosen at start), for the commands that measure the whole system; and what they ask of it.
/// </summary>
public static class AppHostRun
{
    private const string PidProperty = "executable.pid";

    /// <summary>The app host with <paramref name="arguments"/> (and the dashboard if asked), built and not started; the services' own log lines are left out.</summary>
    public static async Task<DistributedApplication> CreateAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool dashboard = false)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.FraudDetection_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = dashboard },
            [
                .. arguments,
                "--kafka-port", "0",
                "--DcpPublisher:RandomizePorts=true",
                "--DcpPublisher:ContainerRuntimeInitializationTimeout=00:00:00",
            ], cancellationToken);
        // The services' log lines are the app host's Information; a command prints only its progress and their errors.
        builder.Services.AddLogging(logging => logging
            .AddFilter("FraudDetection.AppHost.Resources", LogLevel.Error)
            .AddFilter("FraudDetection.AppHost.Resources.prometheus", LogLevel.None)
            .AddFilter("Aspire", LogLevel.Warning)
            .AddFilter("Microsoft", LogLevel.Warning)
            .AddFilter("System.Net.Http", LogLevel.Warning));
        return await builder.BuildAsync(cancellationToken);
    }

    public static int Pid(ResourceNotificationService notifications, string resource)
    {
        if (notifications.TryGetCurrentState(resource, out var current)
            && current.Snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value is { } value
            && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture, out var pid))
        {
            return pid;
        }
        throw new InvalidOperationException($"{resource} has no process id in its state");
    }

    public static async Task WaitHealthyAsync(ResourceNotificationService notifications, IEnumerable<string> resources, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        foreach (var resource in resources)
        {
            try
            {
                await notifications.WaitForResourceHealthyAsync(resource, budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{resource} not healthy within {timeout.TotalSeconds:F0} s");
            }
        }
    }

    public static async Task<ProducerProgress> ProducerStatusAsync(HttpClient producer, CancellationToken cancellationToken)
    {
        var status = await producer.GetFromJsonAsync<JsonElement>("/api/producer", cancellationToken);
        return new ProducerProgress(status.GetProperty("state").GetString() ?? "", status.GetProperty("acknowledged").GetInt64());
    }

    public static async Task PollAsync(Func<Task<bool>> done, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await done())
                {
                    return;
                }
            }
            catch (HttpRequestException e)
            {
                last = e; // a service between its kill and its restart
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}", last);
    }
}

public readonly record struct ProducerProgress(string State, long Acknowledged);
