using System.Diagnostics;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;

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
}
