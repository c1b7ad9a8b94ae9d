using System.CommandLine;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Producer.Output;
using FraudDetection.Producer.Running;
using FraudDetection.Producer.Sources;

namespace FraudDetection.Benchmarks.Producer;

/// <summary>
/// <c>producer</c>: replay throughput into the embedded broker, end to end — CSV parse, JSON serialize, produce, and
/// every message acknowledged by the broker. Run it from a Release build.
/// </summary>
public static class ProducerBench
{
    public static Command Build()
    {
        var file = new Option<string>("--file") { Description = "CSV file to replay", DefaultValueFactory = _ => RepositoryFiles.SampleRelativePath };
        var count = new Option<long>("--count") { Description = "Transactions to send (the file loops)", DefaultValueFactory = _ => 1_000_000 };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of the topic", DefaultValueFactory = _ => 4 };
        var command = new Command("producer", "Replay throughput into the embedded Kafka broker (parse + serialize + produce, acknowledged).")
        {
            file, count, partitions,
        };
        command.SetAction((parse, cancellationToken) =>
            RunAsync(RepositoryFiles.Resolve(parse.GetValue(file)!), parse.GetValue(count), parse.GetValue(partitions), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string file, long count, int partitions, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            Console.Error.WriteLine($"error: {file} does not exist");
            return 2;
        }
        using var kafka = EmbeddedKafka.Start(partitions: partitions, topics: Topics.Transactions);
        Console.WriteLine($"embedded broker {kafka.BootstrapServers}, topic '{Topics.Transactions}' with {partitions} partitions");
        Console.WriteLine($"file {file}; {Environment.ProcessorCount} cores; producer: acks=1, linger 5 ms, batch 1 MB, no compression");

        // Warm-up (JIT, connections, topic metadata) outside the measurement.
        await using (var warm = new KafkaTransactionSink(kafka.BootstrapServers))
        using (var warmSource = new ReplaySource(file, loop: true))
        {
            await ProducerLoop.RunAsync(warmSource, warm, null, 100_000, new RunCounters(), cancellationToken);
            await warm.FlushAsync(cancellationToken);
        }

        // Where the time goes: the same rows through each stage alone (CPU time per transaction is what a loaded
        // machine distorts least).
        var parse = Measure(count, () =>
        {
            using var only = new ReplaySource(file, loop: true);
            long n = 0;
            while (n < count && only.TryNext(out _, out _))
            {
                n++;
            }
            return n;
        });
        Report("parse (CSV, gzip)", parse);
        var serialize = Measure(count, () =>
        {
            using var only = new ReplaySource(file, loop: true);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
            using var writer = new System.Text.Json.Utf8JsonWriter(buffer);
            long n = 0;
            while (n < count && only.TryNext(out var transaction, out _))
            {
                buffer.ResetWrittenCount();
                writer.Reset();
                System.Text.Json.JsonSerializer.Serialize(writer, transaction, FraudJsonContext.Default.Transaction);
                writer.Flush();
                _ = buffer.WrittenSpan.ToArray();
                n++;
            }
            return n;
        });
        Report("parse + serialize", serialize);

        await using var sink = new KafkaTransactionSink(kafka.BootstrapServers);
        using var source = new PrefetchSource(new ReplaySource(file, loop: true));
        var counters = new RunCounters();
        var threadsBefore = ThreadCpu();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var started = TimeProvider.System.GetTimestamp();
        var sent = await ProducerLoop.RunAsync(source, sink, null, count, counters, cancellationToken);
        var handedOver = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        await sink.FlushAsync(cancellationToken);
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;
        var cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;

        Console.WriteLine($"sent {sent:N0}, acknowledged {sink.Acknowledged:N0}, failed {sink.Failed:N0}");
        Console.WriteLine($"handed to the producer in {handedOver:F2} s; all acknowledged after {seconds:F2} s");
        Report("parse + serialize + produce, acknowledged", new Measurement(sink.Acknowledged, seconds, cpu));
        Console.WriteLine($"throughput: {sink.Acknowledged / seconds:N0} tx/s end to end (load average {LoadAverage()})");
        var threadsAfter = ThreadCpu();
        if (threadsAfter.Count > 0)
        {
            Console.WriteLine("CPU per transaction by thread (end-to-end run):");
            foreach (var (thread, ticks) in threadsAfter
                         .Select(t => (t.Key, Ticks: t.Value - threadsBefore.GetValueOrDefault(t.Key)))
                         .GroupBy(t => t.Key.Name, t => t.Ticks)
                         .Select(g => (g.Key, g.Sum()))
                         .Where(t => t.Item2 > 0)
                         .OrderByDescending(t => t.Item2))
            {
                Console.WriteLine($"  {thread,-18} {ticks * 10_000.0 / sink.Acknowledged,6:F2} µs");
            }
        }
        return sink.Failed == 0 && sink.Acknowledged == sent ? 0 : 1;
    }

    private readonly record struct Measurement(long Count, double Seconds, double CpuSeconds);

    private static Measurement Measure(long count, Func<long> work)
    {
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var started = TimeProvider.System.GetTimestamp();
        var n = work();
        return new Measurement(n, TimeProvider.System.GetElapsedTime(started).TotalSeconds, (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds);
    }

    private static void Report(string stage, Measurement m) =>
        Console.WriteLine($"{stage,-45} {m.Count / m.Seconds,12:N0} tx/s wall  {m.CpuSeconds * 1e6 / m.Count,6:F2} µs CPU/tx (all threads)");

    private static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    // Linux only: user + system clock ticks (1/100 s) of each thread of this process, by (id, name).
    private static Dictionary<(string Id, string Name), long> ThreadCpu()
    {
        var result = new Dictionary<(string, string), long>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return result;
        }
        foreach (var task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                var name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                result[(Path.GetFileName(task), name)] = long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }
        return result;
    }
}
