using System.Net;
using System.Net.Sockets;

namespace FraudDetection.Tests.AppHost;

/// <summary>A bad configuration ends the app host before anything starts: one line on stderr and a non-zero exit code.</summary>
public sealed class ConfigurationErrorTests : IDisposable
{
    private readonly string _data = TestAppHost.NewDataDirectory();

    public void Dispose() => TestAppHost.DeleteDataDirectory(_data);

    [Fact]
    public async Task A_data_directory_that_cannot_be_written_is_one_line_and_exit_code_1()
    {
        var file = Path.Combine(_data, "a-file");
        await File.WriteAllTextAsync(file, "not a folder");

        var (code, errors) = await RunAsync(["--data-dir", file]);

        code.Should().Be(1);
        errors.Should().ContainSingle().Which.Should().StartWith($"error: data directory '{file}'").And.Contain("--data-dir");
    }

    [Fact]
    public async Task A_port_taken_is_one_line_naming_the_port_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, errors) = await RunAsync(["--data-dir", _data], new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });

        code.Should().Be(1);
        errors.Should().ContainSingle().Which.Should().Be(
            $"error: port {port} (the Aspire dashboard) is not available on 127.0.0.1 (AddressAlreadyInUse): another program is using it (another run of FraudDetection?)");
    }

    [Fact]
    public async Task An_unreachable_external_broker_is_one_line_and_exit_code_1()
    {
        var closed = AppHostProcess.FreePort();

        var (code, errors) = await RunAsync(["--data-dir", _data], new() { ["ConnectionStrings__kafka"] = $"127.0.0.1:{closed}" });

        code.Should().Be(1);
        errors.Should().ContainSingle().Which.Should().StartWith($"error: the Kafka broker at '127.0.0.1:{closed}' is unreachable").And.EndWith("check ConnectionStrings__kafka");
    }

    [Fact]
    public async Task Containers_mode_without_a_container_engine_is_one_line_and_exit_code_1()
    {
        var docker = FakeContainerRuntime.Failing(_data);

        var (code, errors) = await RunAsync(["--data-dir", _data, "--containers", "--ASPIRE_CONTAINER_RUNTIME", docker]);

        code.Should().Be(1);
        errors.Should().ContainSingle().Which.Should().StartWith("error: --containers needs a running container engine").And.Contain("Cannot connect to the Docker daemon");
    }

    [Fact]
    public async Task A_bad_option_names_it_and_exits_with_code_2()
    {
        var (code, errors) = await RunAsync(["--data-dir", _data, "--rate", "fast"]);

        code.Should().Be(2);
        errors.First().Should().Be("error: --rate must be a positive number of transactions per second or 'max', not 'fast'");
        errors.Last().Should().StartWith("usage: dotnet run --project FraudDetection.AppHost");
    }

    [Fact]
    public async Task A_trace_ratio_outside_0_to_1_is_named_and_exits_with_code_2()
    {
        var (code, errors) = await RunAsync(["--data-dir", _data, "--trace-ratio", "1.5"]);

        code.Should().Be(2);
        errors.First().Should().Be("error: --trace-ratio must be between 0 and 1, not 1.5");
    }

    private async Task<(int Code, List<string> Errors)> RunAsync(string[] arguments, Dictionary<string, string>? environment = null)
    {
        await using var host = AppHostProcess.Start(arguments, _data, environment);
        (await host.WaitForExitAsync(TimeSpan.FromSeconds(60))).Should().BeTrue($"a configuration error ends the app host at once:\n{host.Output}");
        await Task.Delay(100); // the last lines of the asynchronous readers
        var errors = host.Output.Split('\n').Where(l => l.StartsWith("stderr: ", StringComparison.Ordinal)).Select(l => l["stderr: ".Length..]).ToList();
        TestAppHost.ProcessesOf(_data).Should().BeEmpty("nothing was started");
        return (host.ExitCode, errors);
    }
}
