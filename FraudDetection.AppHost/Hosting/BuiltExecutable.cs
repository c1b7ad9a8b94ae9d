using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace FraudDetection.AppHost.Hosting;

/// <summary>Where <c>dotnet build</c> put a project's program, for the app host to start it without <c>dotnet run</c>.</summary>
public static class BuiltExecutable
{
    /// <summary>The configuration the app host was built in (its projects are built with it, in the same one).</summary>
    public static string Configuration { get; } =
        typeof(BuiltExecutable).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The app host's target framework as a folder name (<c>net10.0</c>); every project shares it.</summary>
    public static string TargetFramework { get; } =
        FolderOf(typeof(BuiltExecutable).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName);

    /// <summary>
    /// The native launcher the SDK writes beside the project's assembly (<c>bin/{configuration}/{framework}/{name}</c>,
    /// <c>.exe</c> on Windows), or null when there is none there (another output path, not built).
    /// </summary>
    public static string? Find(string projectPath, string? configuration = null, string? framework = null)
    {
        var name = Path.GetFileNameWithoutExtension(projectPath) + (OperatingSystem.IsWindows() ? ".exe" : "");
        var path = Path.Combine(Path.GetDirectoryName(projectPath) ?? "", "bin", configuration ?? Configuration, framework ?? TargetFramework, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// The .NET installation the app host runs on (three folders above its runtime's), which a launcher reads from
    /// <c>DOTNET_ROOT</c> when .NET is not in a default place; null when no <c>dotnet</c> is there.
    /// </summary>
    public static string? DotnetRoot()
    {
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet")) ? root : null;
    }

    internal static string FolderOf(string? targetFrameworkName) =>
        targetFrameworkName is null ? "net10.0" : $"net{new FrameworkName(targetFrameworkName).Version.ToString(2)}";
}
