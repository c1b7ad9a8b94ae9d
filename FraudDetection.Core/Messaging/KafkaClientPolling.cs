using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace FraudDetection.Core.Messaging;

/// <summary>
/// How long a long-lived Kafka client's own thread waits in librdkafka before it looks at its cancellation token again.
/// Confluent's .NET client waits in slices of <c>dotnet.cancellation.delay.max.ms</c>, 100 ms by default, in every
/// producer's and admin client's background poll and in <c>Consume(CancellationToken)</c>: ten wake-ups a second
/// per client with nothing to do. A message, a delivery report or an error still ends a slice at once, so only
/// stopping a client waits up to a slice longer. Short-lived clients keep the default, for a quick dispose.
/// </summary>
public static class KafkaClientPolling
{
    public const int SliceMs = 1000;

    public static T WithLongPollSlices<T>(this T config) where T : ClientConfig
    {
        config.Set("dotnet.cancellation.delay.max.ms", SliceMs.ToString(CultureInfo.InvariantCulture));
        return config;
    }

    /// <summary>
    /// How long a loop of our own may wait in <c>Consume</c> for a duty due at <paramref name="dueAt"/> (a
    /// <see cref="Stopwatch"/> timestamp): until then, from 1 ms to one slice. A message ends the wait at once.
    /// </summary>
    public static int SliceUntil(long dueAt) =>
        (int)Math.Clamp((dueAt - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency, 1, SliceMs);

    /// <summary>
    /// How long the broker may hold a fetch with nothing to read, in milliseconds, for readers that follow a topic and
    /// seldom pause and never seek (alerts, labels, the live feed); unset, librdkafka's 500 ms. Against a broker that
    /// answers a fetch as soon as data arrives (Kafka; the development broker's long poll) a long wait adds no latency:
    /// it sets how often an idle reader asks, and how long a partition newly assigned or resumed may wait behind the
    /// fetch already out (librdkafka has one out per broker). A bare mock cluster waits every fetch out, so a service
    /// keeps the default on its own and the app host sets this.
    /// </summary>
    public const string IdleFetchWaitKey = "Kafka:IdleFetchWaitMs";

    /// <summary>The most <see cref="IdleFetchWaitKey"/> may be: librdkafka wants the socket timeout (60 s) a second above the wait.</summary>
    public const int MaxIdleFetchWaitMs = 30_000;

    /// <summary>Sets <c>fetch.wait.max.ms</c> from <see cref="IdleFetchWaitKey"/> when it is configured.</summary>
    public static ConsumerConfig WithIdleFetchWait(this ConsumerConfig config, IConfiguration configuration)
    {
        if (configuration[IdleFetchWaitKey] is not { Length: > 0 } value)
        {
            return config;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var waitMs) || waitMs is < 1 or > MaxIdleFetchWaitMs)
        {
            throw new InvalidOperationException(
                $"{IdleFetchWaitKey} must be a whole number of milliseconds from 1 to {MaxIdleFetchWaitMs}; it is '{value}'.");
        }
        config.FetchWaitMaxMs = waitMs;
        return config;
    }
}
