using System.Net.Http.Json;
using System.Text.Json;

namespace FraudDetection.Tests.AppHost;

/// <summary>One embedded AppHost process shared by the end-to-end and browser tests (they are slow to start).</summary>
public sealed class EmbeddedAppHostFixture : IAsyncLifetime
{
    /// <summary>High enough that 1,000 transactions are scored within seconds of the start.</summary>
    public const int Rate = 2000;

    public AppHostProcess Host { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The <c>--data-dir</c> the AppHost was given (a second run is pointed at it again).</summary>
    public string DataDirectory { get; private set; } = "";

    public IReadOnlyList<string> Arguments { get; private set; } = [];

    public Task InitializeAsync()
    {
        StartedAt = DateTimeOffset.UtcNow;
        var port = AppHostProcess.FreePort();
        var data = AppHostProcess.NewDataDirectory();
        DataDirectory = Path.Combine(data, ".data");
        Arguments = ["--data-dir", DataDirectory, "--port", port.ToString(), "--rate", Rate.ToString(), "--loop"];
        Host = AppHostProcess.Start(Arguments, data, port);
        Http.BaseAddress = Host.BaseUrl;
        return Task.CompletedTask;
    }

    /// <summary><c>GET /api/apphost/state</c>, or null while the host is not answering yet.</summary>
    public async Task<JsonElement?> StateAsync()
    {
        try
        {
            return await Http.GetFromJsonAsync<JsonElement>("/api/apphost/state");
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedAppHostCollection : ICollectionFixture<EmbeddedAppHostFixture>
{
    public const string Name = "Embedded AppHost process";
}
