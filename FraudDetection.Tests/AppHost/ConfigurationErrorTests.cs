using System.Net;
using System.Net.Sockets;

namespace FraudDetection.Tests.AppHost;

/// <summary>Configuration errors end the AppHost with one clear line and a non-zero exit code, never a stack trace.</summary>
public sealed class ConfigurationErrorTests
{
    [Fact]
    public async Task A_port_already_taken_is_one_line_and_exit_code_1()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await RunAsync(["--port", port.ToString()]);

        exitCode.Should().Be(1, output);
        ErrorLines(output).Should().ContainSingle().Which.Should().Contain($"port {port}").And.Contain("--port");
        output.Should().NotContain("   at ", "no stack trace");
    }

    [Fact]
    public async Task A_data_directory_that_is_a_file_is_one_line_and_exit_code_1()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (exitCode, output) = await RunAsync(["--data-dir", file, "--port", AppHostProcess.FreePort().ToString()]);

            exitCode.Should().Be(1, output);
            ErrorLines(output).Should().ContainSingle().Which.Should().Contain("data directory").And.Contain(file);
            output.Should().NotContain("   at ");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_unreachable_broker_is_one_line_and_exit_code_1()
    {
        var nobody = AppHostProcess.FreePort();
        var (exitCode, output) = await RunAsync(
            ["--port", AppHostProcess.FreePort().ToString()],
            new Dictionary<string, string> { ["ConnectionStrings__kafka"] = $"127.0.0.1:{nobody}" });

        exitCode.Should().Be(1, output);
        ErrorLines(output).Should().ContainSingle().Which.Should().Contain("unreachable").And.Contain($"127.0.0.1:{nobody}");
        output.Should().NotContain("   at ");
    }

    [Fact]
    public async Task A_bad_option_value_is_a_usage_error()
    {
        var (exitCode, output) = await RunAsync(["--rate", "-5"]);

        exitCode.Should().Be(2, output);
        output.Should().Contain("--rate");
    }

    private static IEnumerable<string> ErrorLines(string output) =>
        output.Split('\n').Where(l => l.Contains("error:", StringComparison.Ordinal));

    private static async Task<(int ExitCode, string Output)> RunAsync(string[] arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var data = AppHostProcess.NewDataDirectory();
        var args = arguments.Contains("--data-dir") ? arguments : [.. arguments, "--data-dir", Path.Combine(data, ".data")];
        await using var host = AppHostProcess.Start(args, data, 0, environment);
        var exited = await host.WaitForExitAsync(TimeSpan.FromSeconds(45));
        exited.Should().BeTrue($"a configuration error must end the AppHost:\n{host.Output}");
        // Let the output readers drain.
        await Task.Delay(200);
        return (host.ExitCode, host.Output);
    }
}
