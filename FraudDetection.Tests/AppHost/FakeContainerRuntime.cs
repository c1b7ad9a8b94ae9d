namespace FraudDetection.Tests.AppHost;

/// <summary>
/// Stand-ins for <c>docker</c> (named by <c>ASPIRE_CONTAINER_RUNTIME</c>) for the app host's start check: one that
/// answers <c>info</c> like a running engine, one that fails like a CLI without an engine.
/// </summary>
internal static class FakeContainerRuntime
{
    public static string Answering(string folder) => Write(folder, "docker-up", "echo 27.3.1");

    public static string Failing(string folder) =>
        Write(folder, "docker-down", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1");

    private static string Write(string folder, string name, string body)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }
}
