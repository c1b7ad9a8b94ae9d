using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.Tests.Core;

public class KafkaClientPollingTests
{
    [Fact]
    public void A_loop_waits_until_its_next_duty_but_never_less_than_1_ms_nor_more_than_a_slice()
    {
        var now = Stopwatch.GetTimestamp();

        KafkaClientPolling.SliceUntil(now - Stopwatch.Frequency).Should().Be(1, "a duty already due is done after the shortest wait");
        KafkaClientPolling.SliceUntil(now + Stopwatch.Frequency * 60).Should().Be(KafkaClientPolling.SliceMs, "a stop waits at most one slice");
        KafkaClientPolling.SliceUntil(now + Stopwatch.Frequency * 3 / 10).Should().BeInRange(200, 300, "a duty 300 ms away is waited for, not overslept");
    }

    [Fact]
    public void Long_lived_clients_look_at_their_cancellation_once_a_slice()
    {
        var config = new ProducerConfig { BootstrapServers = "127.0.0.1:9" }.WithLongPollSlices();

        config.Get("dotnet.cancellation.delay.max.ms").Should().Be(KafkaClientPolling.SliceMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_reader_waits_as_configured_and_keeps_librdkafkas_default_otherwise()
    {
        static ConsumerConfig Configured(string? waitMs) => new ConsumerConfig { BootstrapServers = "127.0.0.1:9" }
            .WithIdleFetchWait(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [KafkaClientPolling.IdleFetchWaitKey] = waitMs })
                .Build());

        Configured("5000").FetchWaitMaxMs.Should().Be(5000);
        Configured(null).FetchWaitMaxMs.Should().BeNull("a service on its own may face a bare mock cluster, which waits every fetch out");
        Configured("").FetchWaitMaxMs.Should().BeNull();
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("30001")]
    [InlineData("5s")]
    [InlineData("2.5")]
    public void An_idle_fetch_wait_out_of_range_or_not_a_number_is_refused_with_its_key(string waitMs)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [KafkaClientPolling.IdleFetchWaitKey] = waitMs })
            .Build();

        var build = () => new ConsumerConfig().WithIdleFetchWait(configuration);

        build.Should().Throw<InvalidOperationException>().WithMessage($"*Kafka:IdleFetchWaitMs*1 to 30000*'{waitMs}'*");
    }
}
