using System.Net;
using System.Net.Sockets;
using FraudDetection.Core.Messaging;
using FraudDetection.DevKafka.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace FraudDetection.Tests.DevKafka;

/// <summary>The <c>kafka</c> health check every service has: a broker that answers, one that went away, one that accepts and never answers.</summary>
public sealed class KafkaBrokerHealthCheckTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task Healthy_while_the_broker_answers_and_unhealthy_once_it_is_gone_after_the_cached_answer_expires()
    {
        var kafka = EmbeddedKafka.Start();
        using var check = Check(kafka.BootstrapServers);

        (await check.CheckHealthAsync(new HealthCheckContext())).Status.Should().Be(HealthStatus.Healthy);
        kafka.Dispose();
        (await check.CheckHealthAsync(new HealthCheckContext())).Status.Should().Be(HealthStatus.Healthy, "the answer is kept for 5 s");

        _time.Advance(KafkaBrokerHealthCheck.CacheFor + TimeSpan.FromSeconds(1));
        var gone = await check.CheckHealthAsync(new HealthCheckContext());
        gone.Status.Should().Be(HealthStatus.Unhealthy);
        gone.Description.Should().Contain(kafka.BootstrapServers);
    }

    [Fact]
    public async Task A_service_asks_through_one_check_and_one_client_however_often_health_is_polled()
    {
        var kafka = EmbeddedKafka.Start();
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time)
            .AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:kafka"] = kafka.BootstrapServers }).Build());
        services.AddKafkaBrokerHealthCheck();
        var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();

        (await health.CheckHealthAsync()).Entries[KafkaBrokerHealthCheck.Name].Status.Should().Be(HealthStatus.Healthy);
        kafka.Dispose();
        // A new check per poll would ask the gone broker again (and leave one more admin client open each time).
        (await health.CheckHealthAsync()).Entries[KafkaBrokerHealthCheck.Name].Status.Should().Be(HealthStatus.Healthy, "the same check's answer is kept for 5 s");
        _time.Advance(KafkaBrokerHealthCheck.CacheFor + TimeSpan.FromSeconds(1));
        (await health.CheckHealthAsync()).Entries[KafkaBrokerHealthCheck.Name].Status.Should().Be(HealthStatus.Unhealthy);

        var check = provider.GetRequiredService<KafkaBrokerHealthCheck>();
        await provider.DisposeAsync();
        var disposed = () => check.CheckHealthAsync(new HealthCheckContext());
        await disposed.Should().ThrowAsync<ObjectDisposedException>("the host disposes the check, and with it its client");
    }

    [Fact]
    public async Task Unhealthy_within_seconds_when_the_broker_accepts_connections_but_never_answers()
    {
        // A stopped broker process: the port still accepts, nothing is ever read or answered.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        });
        using var check = Check($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await check.CheckHealthAsync(new HealthCheckContext());

        result.Status.Should().Be(HealthStatus.Unhealthy);
        result.Description.Should().Contain("did not answer");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), "the check waits for its own timeout, not the client's minute");
    }

    [Fact]
    public async Task Without_a_configured_broker_the_check_has_nothing_to_report()
    {
        using var check = new KafkaBrokerHealthCheck(new ConfigurationBuilder().Build(), _time);

        (await check.CheckHealthAsync(new HealthCheckContext())).Description.Should().Be("no Kafka configured");
    }

    private KafkaBrokerHealthCheck Check(string servers) => new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:kafka"] = servers }).Build(), _time);
}
