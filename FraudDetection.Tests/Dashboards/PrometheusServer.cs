using System.Diagnostics;
using System.Text.Json;

namespace FraudDetection.Tests.Dashboards;

/// <summary>
/// Debian's <c>prometheus</c> (installed by .ci/run) started on 127.0.0.1 with a generated configuration and a
/// temporary storage folder, scraping the given targets every second.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, DirectoryInfo directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address => _http.BaseAddress!;

    public static string Binary =>
        new[] { "/usr/bin/prometheus", "/usr/local/bin/prometheus" }.FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("Debian's prometheus is not installed: apt-get install -y prometheus (.ci/run does it)");

    /// <param name="targets">job name → host:port serving /metrics.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string> targets)
    {
        var directory = Directory.CreateTempSubdirectory("prometheus-test-");
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        var jobs = string.Concat(targets.Select(t => $"""
              - job_name: {t.Key}
                static_configs:
                  - targets: ["{t.Value}"]

            """));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
            {jobs}
            """);
        var port = TestNetwork.FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            ArgumentList =
            {
                "--config.file=" + config,
                "--storage.tsdb.path=" + Path.Combine(directory.FullName, "data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Enqueue(e.Data); } };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
            {
                server.Dispose();
                throw new InvalidOperationException($"prometheus exited ({process.ExitCode}): {string.Join('\n', log)}");
            }
            try
            {
                if ((await server._http.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                server.Dispose();
                throw new TimeoutException("prometheus did not become ready: " + string.Join('\n', log));
            }
            await Task.Delay(100);
        }
    }

    /// <summary>An instant query through <c>/api/v1/query</c>.</summary>
    public async Task<PromQueryResult> QueryAsync(string expression)
    {
        using var response = await _http.PostAsync("/api/v1/query", new FormUrlEncodedContent([new("query", expression)]));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            return new PromQueryResult(expression, root.TryGetProperty("error", out var error) ? error.GetString() : $"HTTP {(int)response.StatusCode}", []);
        }
        var data = root.GetProperty("data");
        var values = data.GetProperty("resultType").GetString() switch
        {
            "vector" => data.GetProperty("result").EnumerateArray().Select(s => s.GetProperty("value")[1].GetString()!).ToList(),
            "scalar" => [data.GetProperty("result")[1].GetString()!],
            var other => throw new InvalidOperationException($"unexpected result type {other}"),
        };
        return new PromQueryResult(expression, null, values);
    }

    /// <summary>Every metric name Prometheus holds that starts with <paramref name="prefix"/> (diagnostics).</summary>
    public async Task<IReadOnlyList<string>> MetricNamesAsync(string prefix)
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/label/__name__/values"));
        return json.RootElement.GetProperty("data").EnumerateArray().Select(n => n.GetString()!).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>Targets whose last scrape succeeded (<c>up == 1</c>), by job.</summary>
    public async Task<IReadOnlyList<string>> HealthyJobsAsync()
    {
        using var json = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/targets?state=active"));
        return json.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Where(t => t.GetProperty("health").GetString() == "up")
            .Select(t => t.GetProperty("labels").GetProperty("job").GetString()!).ToList();
    }


    public void Dispose()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>One expression's answer: an error, or its sample values ("NaN" included, as Prometheus writes them).</summary>
public sealed record PromQueryResult(string Expression, string? Error, IReadOnlyList<string> Values)
{
    /// <summary>No error, and at least one sample that is a number.</summary>
    public bool HasData => Error is null && Values.Any(v => v is not ("NaN" or "+Inf" or "-Inf"));
}
