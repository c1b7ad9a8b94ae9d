using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using FraudDetection.Core.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// The token of the card holder's link (<c>{LinkBaseUrl}/{alert_id}?t={token}</c>): HMAC-SHA256 of the alert id with a
/// secret the Notifier (which writes links) and web (which answers them) share, base64url without padding (43 chars).
/// Unguessable without the secret and bound to one alert: a token opens no other alert.
/// </summary>
public sealed class AlertLinkTokens
{
    /// <summary>The shared secret (the app host generates one and passes it to both services).</summary>
    public const string SecretSetting = "FraudDetection:AlertLinkSecret";

    /// <summary>The file under the data directory that holds a generated secret when none is configured.</summary>
    public const string SecretFileName = "alert-link.secret";

    private readonly byte[] _key;

    public AlertLinkTokens(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>The token for <paramref name="alertId"/>.</summary>
    public string Create(string alertId) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(alertId)));

    /// <summary>Whether <paramref name="token"/> is the token of <paramref name="alertId"/> (compared in constant time).</summary>
    public bool Verify(string alertId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Create(alertId));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.UTF8.GetBytes(token));
    }

    /// <summary>
    /// The tokens of <see cref="SecretSetting"/>; without it, of a secret generated once into
    /// <c>{DataDirectory}/alert-link.secret</c>, so that a Notifier and a web started by hand on one machine with the
    /// same data directory agree, and links stay valid across restarts. The secret itself is never logged.
    /// </summary>
    public static AlertLinkTokens FromConfiguration(IConfiguration configuration, ILogger logger)
    {
        if (configuration[SecretSetting] is { Length: > 0 } configured)
        {
            return new AlertLinkTokens(configured);
        }
        var path = Path.Combine(DataPaths.Root(configuration), SecretFileName);
        logger.LogWarning("No {Setting} configured: alert links are signed with the secret in {Path}; configure the same secret on the Notifier and web when they do not share this data directory",
            SecretSetting, path);
        return new AlertLinkTokens(LoadOrCreateSecret(path));
    }

    /// <summary>Reads the secret in <paramref name="path"/>, or writes a new random one there first.</summary>
    public static string LoadOrCreateSecret(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing)
            {
                return existing;
            }
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
                // CreateNew: when two services start together, one writes and the other reads what it wrote.
                using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                using (var writer = new StreamWriter(file))
                {
                    writer.Write(secret);
                }
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
                return secret;
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(50);
            }
        }
    }
}
