using Microsoft.Extensions.Configuration;

namespace FraudDetection.AppHost.Hosting;

/// <summary>
/// DCP checks its container runtime's health every 5 s by running the runtime's CLI (<c>docker --version</c>,
/// <c>docker network ls</c>) whether or not the model has a container. The development mode has none, and with Docker
/// installed those runs cost more than any service but the broker; pointed at a runtime that is not installed, DCP's
/// check ends at the lookup and runs nothing.
/// </summary>
public static class ContainerRuntimeProbe
{
    /// <summary>The setting Aspire reads for DCP's <c>--container-runtime</c> (also as <c>DOTNET_</c>-prefixed variable).</summary>
    public const string RuntimeSetting = "ASPIRE_CONTAINER_RUNTIME";

    private const string Absent = "podman";

    /// <summary>Sets <see cref="RuntimeSetting"/> in the app host's configuration when <see cref="RuntimeFor"/> says so.</summary>
    public static void QuietenWithoutContainers(IDistributedApplicationBuilder builder, bool containers)
    {
        if (RuntimeFor(containers, key => builder.Configuration[key], command => ExecutableSearch.OnPath(command) is not null) is { } runtime)
        {
            builder.Configuration[RuntimeSetting] = runtime;
        }
    }

    /// <summary>
    /// The runtime to point DCP at, or null to leave it alone: with <c>--containers</c>, when a runtime is configured,
    /// or when the stand-in is installed (DCP would then run its CLI instead).
    /// </summary>
    public static string? RuntimeFor(bool containers, Func<string, string?> configuration, Func<string, bool> installed) =>
        containers
        || !string.IsNullOrEmpty(configuration(RuntimeSetting))
        || !string.IsNullOrEmpty(configuration("DOTNET_" + RuntimeSetting))
        || installed(Absent)
            ? null
            : Absent;
}
