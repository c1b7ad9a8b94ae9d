using System.Net.Http.Json;
using System.Text.Json;

namespace FraudDetection.Tests.AppHost;

/// <summary>One app host process shared by the browser and Ctrl+C tests (slow to start); the stop test runs last.</summary>
public sealed class AppHostProcessFixture : IAsyncLifetime
{
    public AppHostProcess Host { get; private set; } = null!;
    public string DataDirectory { get; } = TestAppHost.NewDataDirectory();
    public HttpClient Dashboard { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };
    public DateTime StartedAt { get; private set; }

    public async Task InitializeAsync()
    {
        StartedAt = DateTime.UtcNow;
        Host = AppHostProcess.Start(TestAppHost.Arguments(DataDirectory), DataDirectory);
        Dashboard.BaseAddress = await Host.WaitForDashboardAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>
    /// The id of a trace holding spans of the producer, Scoring and the Notifier (a transaction's path through an alert
    /// to its notification), from the dashboard's telemetry API; waits for one up to <paramref name="timeout"/>.
    /// </summary>
    public async Task<string> WaitForTraceThroughAsync(string[] services, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            Host.HasExited.Should().BeFalse($"the app host exited early:\n{Host.Output}");
            try
            {
                var traces = await Dashboard.GetFromJsonAsync<JsonElement>($"/api/telemetry/traces?resource={services[^1]}");
                var byTrace = new Dictionary<string, HashSet<string>>();
                foreach (var resource in traces.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
                {
                    var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                        .First(a => a.GetProperty("key").GetString() == "service.name").GetProperty("value").GetProperty("stringValue").GetString()!;
                    foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
                    {
                        foreach (var span in scope.GetProperty("spans").EnumerateArray())
                        {
                            var id = span.GetProperty("traceId").GetString()!;
                            (byTrace.TryGetValue(id, out var set) ? set : byTrace[id] = []).Add(service);
                        }
                    }
                }
                if (byTrace.FirstOrDefault(t => services.All(t.Value.Contains)).Key is { } found)
                {
                    return found;
                }
                last = string.Join("; ", byTrace.Take(5).Select(t => $"{t.Key}: {string.Join(",", t.Value)}"));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                last = e.Message;
            }
            await Task.Delay(1000);
        }
        throw new TimeoutException($"no trace through {string.Join(" → ", services)} within {timeout.TotalSeconds:F0} s; last: {last}\n{Host.Output}");
    }

    public async Task DisposeAsync()
    {
        Dashboard.Dispose();
        await Host.DisposeAsync();
        await TestAppHost.WaitForNoProcessesAsync(DataDirectory, TimeSpan.FromSeconds(30));
        TestAppHost.DeleteDataDirectory(DataDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostProcessCollection : ICollectionFixture<AppHostProcessFixture>
{
    public const string Name = "App host process";
}
