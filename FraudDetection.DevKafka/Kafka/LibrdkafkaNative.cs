using System.Reflection;
using System.Runtime.InteropServices;

namespace FraudDetection.DevKafka.Kafka;

/// <summary>
/// Finds and loads the librdkafka that <c>librdkafka.redist</c> ships. On Debian its <c>librdkafka.so</c> needs
/// <c>libsasl2.so.3</c>; <c>centos8-librdkafka.so</c> beside it does not, so the candidates are tried in order and
/// Confluent.Kafka is pointed at the same copy (one librdkafka per process).
/// </summary>
public static class LibrdkafkaNative
{
    private static readonly string[] Candidates = ["librdkafka", "centos8-librdkafka", "alpine-librdkafka", "debian9-librdkafka"];
    private static readonly Lock Gate = new();
    private static nint _handle;
    private static string? _loadedFrom;

    /// <summary>The name or path the native library was loaded from (after <see cref="Load"/>).</summary>
    public static string? LoadedFrom => _loadedFrom;

    /// <summary>Loads librdkafka once and returns its handle; throws <see cref="DllNotFoundException"/> naming every try.</summary>
    public static nint Load()
    {
        lock (Gate)
        {
            if (_handle != 0)
            {
                return _handle;
            }
            var confluent = typeof(Confluent.Kafka.Library).Assembly;
            var failures = new List<string>();
            foreach (var name in Candidates)
            {
                if (NativeLibrary.TryLoad(name, confluent, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out var handle))
                {
                    return Loaded(handle, name, confluent);
                }
                failures.Add(name);
            }
            // Without a deps.json (e.g. a test host that copied the assets flat), probe runtimes/<rid>/native ourselves.
            foreach (var directory in NativeDirectories())
            {
                foreach (var name in Candidates)
                {
                    var path = Path.Combine(directory, name + NativeSuffix());
                    if (File.Exists(path))
                    {
                        if (NativeLibrary.TryLoad(path, out var handle))
                        {
                            return Loaded(handle, path, confluent);
                        }
                        failures.Add(path);
                    }
                }
            }
            throw new DllNotFoundException(
                $"librdkafka could not be loaded (tried {string.Join(", ", failures)}). Is the librdkafka.redist package restored for this platform?");
        }
    }

    private static nint Loaded(nint handle, string from, Assembly confluent)
    {
        _handle = handle;
        _loadedFrom = from;
        if (!Confluent.Kafka.Library.IsLoaded)
        {
            try
            {
                // Confluent.Kafka imports "librdkafka" (then its own fallbacks): hand it the copy loaded here.
                NativeLibrary.SetDllImportResolver(confluent, (name, _, _) =>
                    name.Contains("librdkafka", StringComparison.Ordinal) ? handle : 0);
            }
            catch (InvalidOperationException)
            {
                // Someone set a resolver for Confluent.Kafka already; theirs stands.
            }
        }
        return handle;
    }

    private static IEnumerable<string> NativeDirectories()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        foreach (var baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(Confluent.Kafka.Library).Assembly.Location) ?? "" }.Distinct())
        {
            yield return Path.Combine(baseDir, "runtimes", rid, "native");
            yield return Path.Combine(baseDir, "runtimes", $"{os}-{arch}", "native");
            yield return baseDir;
        }
    }

    private static string NativeSuffix() => OperatingSystem.IsWindows() ? ".dll" : OperatingSystem.IsMacOS() ? ".dylib" : ".so";

    /// <summary>The address of an exported librdkafka function.</summary>
    internal static nint Export(string name) => NativeLibrary.GetExport(Load(), name);
}
