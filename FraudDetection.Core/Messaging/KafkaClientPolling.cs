using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;

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
}
