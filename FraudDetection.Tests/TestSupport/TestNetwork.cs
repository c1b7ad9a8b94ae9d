using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.WebUtilities;
using WireMock.Logging;
using WireMock.Server;

namespace FraudDetection.Tests.TestSupport;

/// <summary>Loopback ports and fake HTTP peers (WireMock) for tests.</summary>
internal static class TestNetwork
{
    /// <summary>A port free right now, for servers that must be given one up front (hosts take 127.0.0.1:0 instead).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A fake HTTP peer on 127.0.0.1 only.</summary>
    public static WireMockServer StartFake() => WireMockServer.Start($"http://127.0.0.1:{FreePort()}");

    public static IReadOnlyList<ILogEntry> Requests(this WireMockServer server, string path) =>
        server.LogEntries.Where(e => e.RequestMessage!.Path == path).ToList();

    public static Dictionary<string, string> Form(this ILogEntry entry) =>
        QueryHelpers.ParseQuery(entry.RequestMessage!.Body).ToDictionary(p => p.Key, p => p.Value.ToString());

    public static string Header(this ILogEntry entry, string name) =>
        string.Join(",", entry.RequestMessage!.Headers!.First(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value);
}
