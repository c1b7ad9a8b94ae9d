using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace FraudDetection.Notifier.Storage;

/// <summary>Kakao tokens as last known: what configuration gave, or what a refresh returned.</summary>
public sealed record KakaoTokens(
    string? AccessToken,
    DateTimeOffset? AccessExpiresAt,
    string? RefreshToken,
    DateTimeOffset? RefreshExpiresAt);

/// <summary>
/// Persists rotated Kakao tokens so a restart uses the newest refresh token. The row remembers a hash of the
/// configured refresh token it grew from ("seed"): when configuration brings a different one (the operator
/// authorised again), configuration wins. The tokens are encrypted with ASP.NET Core Data Protection (keys under
/// the data directory), so the database file alone gives nobody a usable token.
/// </summary>
public sealed class KakaoTokenStore(NotifierDatabase database, IDataProtectionProvider dataProtection)
{
    private readonly IDataProtector protector = dataProtection.CreateProtector("FraudDetection.Notifier.KakaoTokens.v1");

    public KakaoTokens? Load(string? configuredRefreshToken, string? configuredAccessToken)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT access_token, access_expires_at, refresh_token, refresh_expires_at, seed_hash FROM kakao_tokens WHERE id = 1";
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.GetString(4) != SeedHash(configuredRefreshToken, configuredAccessToken))
        {
            return null;
        }
        try
        {
            return new KakaoTokens(
                reader.IsDBNull(0) ? null : protector.Unprotect(reader.GetString(0)),
                reader.IsDBNull(1) ? null : DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                reader.IsDBNull(2) ? null : protector.Unprotect(reader.GetString(2)),
                reader.IsDBNull(3) ? null : DateTimeOffset.Parse(reader.GetString(3), CultureInfo.InvariantCulture));
        }
        catch (CryptographicException)
        {
            // A row in plain text (older versions) or under keys that are gone: start again from configuration.
            return null;
        }
    }

    public void Save(KakaoTokens tokens, string? configuredRefreshToken, string? configuredAccessToken, DateTimeOffset now)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO kakao_tokens (id, access_token, access_expires_at, refresh_token, refresh_expires_at, seed_hash, updated_at)
            VALUES (1, $a, $ae, $r, $re, $seed, $now)
            ON CONFLICT (id) DO UPDATE SET access_token = $a, access_expires_at = $ae, refresh_token = $r,
                refresh_expires_at = $re, seed_hash = $seed, updated_at = $now
            """;
        command.Parameters.AddWithValue("$a", (object?)Protect(tokens.AccessToken) ?? DBNull.Value);
        command.Parameters.AddWithValue("$ae", (object?)tokens.AccessExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
        command.Parameters.AddWithValue("$r", (object?)Protect(tokens.RefreshToken) ?? DBNull.Value);
        command.Parameters.AddWithValue("$re", (object?)tokens.RefreshExpiresAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
        command.Parameters.AddWithValue("$seed", SeedHash(configuredRefreshToken, configuredAccessToken));
        command.Parameters.AddWithValue("$now", now.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    private string? Protect(string? token) => token is null ? null : protector.Protect(token);

    private static string SeedHash(string? refreshToken, string? accessToken) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes((refreshToken ?? "") + "\n" + (accessToken ?? ""))));
}
