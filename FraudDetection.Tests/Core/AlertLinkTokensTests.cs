using FraudDetection.Core.Hosting;
using FraudDetection.Core.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Tests.Core;

public sealed class AlertLinkTokensTests : IDisposable
{
    private readonly TempFolder _data = new("fd-link-tokens");

    public void Dispose() => _data.Dispose();

    [Fact]
    public void A_token_opens_its_own_alert_only()
    {
        var tokens = new AlertLinkTokens("secret-one");
        var token = tokens.Create("alert-1");

        token.Should().HaveLength(43).And.MatchRegex("^[A-Za-z0-9_-]+$", "base64url, safe in a query string");
        tokens.Verify("alert-1", token).Should().BeTrue();
        tokens.Verify("alert-2", token).Should().BeFalse("a token is bound to one alert");
        tokens.Verify("alert-1", tokens.Create("alert-2")).Should().BeFalse();
        tokens.Verify("alert-1", new AlertLinkTokens("secret-two").Create("alert-1")).Should().BeFalse("another secret signs other tokens");
        tokens.Verify("alert-1", null).Should().BeFalse();
        tokens.Verify("alert-1", "").Should().BeFalse();
        tokens.Verify("alert-1", token[..^1] + (token[^1] == 'A' ? 'B' : 'A')).Should().BeFalse();
        tokens.Verify("alert-1", token + token).Should().BeFalse();
    }

    [Fact]
    public void Without_a_configured_secret_services_sharing_a_data_directory_agree_and_keep_it_across_restarts()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DataPaths.ConfigurationKey] = _data.Path,
        }).Build();

        var notifier = AlertLinkTokens.FromConfiguration(configuration, NullLogger.Instance);
        var web = AlertLinkTokens.FromConfiguration(configuration, NullLogger.Instance);

        web.Verify("alert-1", notifier.Create("alert-1")).Should().BeTrue();
        var file = Path.Combine(_data.Path, AlertLinkTokens.SecretFileName);
        File.ReadAllText(file).Should().HaveLength(43);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(file).Should().Be(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [DataPaths.ConfigurationKey] = _data.Path,
            [AlertLinkTokens.SecretSetting] = "configured",
        }).Build();
        AlertLinkTokens.FromConfiguration(configured, NullLogger.Instance).Verify("alert-1", new AlertLinkTokens("configured").Create("alert-1"))
            .Should().BeTrue("a configured secret wins over the file");
    }
}
