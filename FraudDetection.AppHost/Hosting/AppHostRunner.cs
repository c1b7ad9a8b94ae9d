using Microsoft.Extensions.Options;
using FraudDetection.AppHost.Containers;
using FraudDetection.AppHost.Embedded;
using Microsoft.AspNetCore.Connections;

namespace FraudDetection.AppHost.Hosting;

/// <summary>Parses the command line, runs the chosen mode, and turns configuration errors into one line and exit code 1.</summary>
public static class AppHostRunner
{
    public const int UsageError = 2;
    public const int ConfigurationError = 1;
    public const int UnexpectedError = 70;

    public static async Task<int> RunAsync(string[] args)
    {
        if (AppHostCommandLine.IsHelpOrVersion(args))
        {
            return AppHostCommandLine.PrintHelp(args);
        }
        var (options, errors) = AppHostCommandLine.Parse(args);
        if (options is null)
        {
            foreach (var error in errors)
            {
                Console.Error.WriteLine($"error: {error}");
            }
            Console.Error.WriteLine("usage: dotnet run --project FraudDetection.AppHost -- [--containers] [--rate N|max] [--loop] [--data-dir DIR] [--replay FILE] [--port N] [--listen-any]");
            return UsageError;
        }

        try
        {
            return options.Containers
                ? await ContainersSystem.RunAsync(options, CancellationToken.None)
                : await EmbeddedSystem.RunAsync(options, CancellationToken.None);
        }
        catch (Exception e) when (Describe(e, options) is { } line)
        {
            Console.Error.WriteLine($"error: {line}");
            return ConfigurationError;
        }
        catch (Exception e)
        {
            // A bug, not a setting: one line first, then the details for the report.
            Console.Error.WriteLine($"error: the AppHost failed unexpectedly: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine(e);
            return UnexpectedError;
        }
    }

    /// <summary>One line for the errors a user can fix; null for bugs (those keep their stack trace).</summary>
    internal static string? Describe(Exception e, AppHostOptions options)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case AppHostConfigurationException config:
                    return config.Message;
                case AddressInUseException:
                    return $"port {options.Port} is already in use (choose another with --port)";
                case OptionsValidationException validation:
                    return $"invalid configuration: {string.Join("; ", validation.Failures)}";
                case DllNotFoundException dll:
                    return $"a native library could not be loaded: {dll.Message}";
            }
        }
        return null;
    }
}
