using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Confluent.Kafka;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Graph.Extensions;
using FraudDetection.Graph.Sink;
using FraudDetection.Graph.Sqlite;
using FraudDetection.Graph.Store;

namespace FraudDetection.Benchmarks.Graph;

/// <summary>
/// <c>dotnet run -c Release --project FraudDetection.Benchmarks -- graph [--rows N] [--batch N] [--file csv]</c>:
/// graph writes per second into the embedded SQLite store, directly and through the whole sink over the embedded broker.
/// </summary>
public static class GraphBench
{
    public static Command Build()
    {
        var rows = new Option<int>("--rows") { Description = "Scored transactions written", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Edges per store write (Graph:BatchSize)", DefaultValueFactory = _ => new GraphOptions().BatchSize };
        var file = new Option<string>("--file") { Description = "Kaggle-schema CSV the transactions come from", DefaultValueFactory = _ => RepositoryFiles.SampleRelativePath };
        var command = new Command("graph", "Graph writes into the embedded SQLite store, directly and through the whole sink, and the query times.")
        {
            rows, batch, file,
        };
        command.SetAction(parse => RunAsync(parse.GetValue(rows), parse.GetValue(batch), RepositoryFiles.Resolve(parse.GetValue(file)!)));
        return command;
    }

    public static async Task<int> RunAsync(int rows, int batch, string file)
    {
        Console.WriteLine($"graph bench: {rows:N0} scored transactions from {file}, batches of {batch}, {Environment.ProcessorCount} cores");
        var scored = TransactionCsv.ReadFile(file).Take(rows).Select(Score).ToList();
        var edges = scored.Select(GraphEdge.From).ToList();
        var messages = scored.Select(s => JsonSerializer.SerializeToUtf8Bytes(s, FraudJsonContext.Default.ScoredTransaction)).ToList();
        var repeatedStrings = new StringPool(GraphSinkService.RepeatedStringsPoolSize);
        var parseClock = Stopwatch.StartNew();
        foreach (var message in messages)
        {
            _ = GraphSinkService.ReadScored(message, repeatedStrings);
        }
        Console.WriteLine($"  scored JSON → edge (parse alone):  {messages.Count / parseClock.Elapsed.TotalSeconds,12:N0} edges/s");
        var directory = Directory.CreateTempSubdirectory("graph-bench-");
        try
        {
            await using (var store = new SqliteGraphStore(Path.Combine(directory.FullName, "direct.db")))
            {
                await store.EnsureSchemaAsync();
                var first = await TimeWritesAsync(store, edges, batch);
                Console.WriteLine($"  SQLite store, new edges:          {edges.Count / first.Wall.TotalSeconds,12:N0} edges/s ({first.Wall.TotalSeconds:N2} s; CPU {first.Cpu.TotalMicroseconds / edges.Count:N1} µs/edge)");
                var again = await TimeWritesAsync(store, edges, batch);
                Console.WriteLine($"  SQLite store, re-delivered edges: {edges.Count / again.Wall.TotalSeconds,12:N0} edges/s ({again.Wall.TotalSeconds:N2} s; CPU {again.Cpu.TotalMicroseconds / edges.Count:N1} µs/edge)");
                var totals = await store.TotalsAsync();
                Console.WriteLine($"  graph: {totals.Cards:N0} cards, {totals.Merchants:N0} merchants, {totals.Transactions:N0} edges (one per transaction: {totals.Transactions == edges.Select(e => e.TransNum).Distinct().Count()})");
                var overview = await TimeOverviewReadsAsync(store);
                var counted = TimeCountingFromEdges(store.DatabaseFile);
                Console.WriteLine($"  the overview's reads (totals, fraud counts, merchants by volume and by alerts; the web reads them every 2-5 s): " +
                                  $"{overview.TotalMilliseconds:N2} ms kept, {counted.TotalMilliseconds:N0} ms counting them from the edges");
                var queries = Stopwatch.StartNew();
                await store.LatestTransactionsAsync(20);
                await store.MerchantsByVolumeAsync(10);
                await store.FraudCountsAsync();
                await store.FraudByMerchantAsync(10);
                await store.AmountDistributionAsync(50, 1000);
                await store.FraudGeoPointsAsync(500);
                Console.WriteLine($"  the six KB panel queries together: {queries.Elapsed.TotalMilliseconds:N0} ms");
                var busiest = edges.GroupBy(e => e.CcNum).MaxBy(g => g.Count())!.Key;
                queries.Restart();
                await store.CardNeighbourhoodAsync(busiest, GraphWindow.All);
                var neighbourhood = queries.Elapsed;
                queries.Restart();
                await store.MerchantsSharedByAlertedCardsAsync(GraphWindow.All, 2, 50);
                var shared = queries.Elapsed;
                queries.Restart();
                await store.ImpossibleTravelAsync(GraphWindow.All, 900, 100);
                Console.WriteLine($"  investigation queries over the whole graph: busiest card's neighbourhood {neighbourhood.TotalMilliseconds:N0} ms, " +
                                  $"merchants shared by alerted cards {shared.TotalMilliseconds:N0} ms, impossible travel {queries.Elapsed.TotalMilliseconds:N0} ms");
            }
            var sink = await TimeSinkAsync(scored, batch, directory.FullName);
            Console.WriteLine($"  sink end to end (embedded Kafka → batches → SQLite, offsets stored for commit): {sink.Edges / sink.Elapsed.TotalSeconds,12:N0} edges/s ({sink.Edges:N0} edges after the first batch in {sink.Elapsed.TotalSeconds:N2} s; CPU {sink.Cpu.TotalMicroseconds / sink.Edges:N1} µs/edge, broker included)");
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The best of five reads of what the overview and the web's counters ask for.</summary>
    private static async Task<TimeSpan> TimeOverviewReadsAsync(IGraphStore store)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await store.TotalsAsync();
            await store.FraudCountsAsync();
            await store.MerchantsByVolumeAsync(10);
            await store.FraudByMerchantAsync(10);
            best = TimeSpan.FromTicks(Math.Min(best.Ticks, clock.Elapsed.Ticks));
        }
        return best;
    }

    /// <summary>The same four answers counted from the edges, as the store did before it kept them (best of three).</summary>
    private static TimeSpan TimeCountingFromEdges(string databaseFile)
    {
        string[] statements =
        [
            "SELECT (SELECT COUNT(*) FROM cards), (SELECT COUNT(*) FROM merchants), (SELECT COUNT(*) FROM transactions)",
            "SELECT COUNT(*), SUM(is_alert), SUM(is_fraud IS 1), SUM(is_fraud IS 0) FROM transactions",
            "SELECT merchant, COUNT(*) AS n, SUM(amt) FROM transactions GROUP BY merchant ORDER BY n DESC, merchant LIMIT 10",
            "SELECT merchant, SUM(is_alert) AS a, SUM(is_fraud IS 1) AS f, COUNT(*) FROM transactions GROUP BY merchant HAVING a > 0 OR f > 0 ORDER BY a DESC, f DESC, merchant LIMIT 10",
        ];
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={databaseFile};Mode=ReadOnly");
        connection.Open();
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var sql in statements)
            {
                using var command = connection.CreateCommand();
                command.CommandText = sql;
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                }
            }
            best = TimeSpan.FromTicks(Math.Min(best.Ticks, clock.Elapsed.Ticks));
        }
        return best;
    }

    /// <summary>Wall time, and CPU time of this process (the machine may be shared: CPU per edge is the steadier figure).</summary>
    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> TimeWritesAsync(IGraphStore store, List<GraphEdge> edges, int batch)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < edges.Count; i += batch)
        {
            await store.WriteAsync(edges.GetRange(i, Math.Min(batch, edges.Count - i)));
        }
        return (clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    private static async Task<(long Edges, TimeSpan Elapsed, TimeSpan Cpu)> TimeSinkAsync(List<ScoredTransaction> scored, int batch, string directory)
    {
        // Many partitions: the embedded (mock) broker keeps only the newest few MB of each partition, and the whole
        // replay is produced before the sink starts.
        using var kafka = EmbeddedKafka.Start(partitions: Math.Max(48, scored.Count / 2_000), topics: Topics.Scored);
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, LingerMs = 5 }).Build())
        {
            foreach (var s in scored)
            {
                producer.Produce(Topics.Scored, new Message<string, byte[]>
                {
                    Key = s.Transaction.CcNum.ToString(CultureInfo.InvariantCulture),
                    Value = JsonSerializer.SerializeToUtf8Bytes(s, FraudJsonContext.Default.ScoredTransaction),
                });
            }
            if (producer.Flush(TimeSpan.FromMinutes(1)) > 0)
            {
                throw new InvalidOperationException("the embedded broker did not take every message");
            }
        }

        // Kafka's own limit here: the sink's consumer settings, consuming only.
        var consumeConfig = GraphSinkService.ConsumerConfig(kafka.BootstrapServers, new GraphOptions { GroupId = "graph-bench-raw" });
        using (var raw = new ConsumerBuilder<Ignore, byte[]>(consumeConfig).Build())
        {
            raw.Subscribe(Topics.Scored);
            raw.Consume(TimeSpan.FromSeconds(30));
            var rawClock = Stopwatch.StartNew();
            var consumed = 1;
            while (consumed < scored.Count && raw.Consume(TimeSpan.FromSeconds(10)) is not null)
            {
                consumed++;
            }
            Console.WriteLine($"  Kafka consume alone (the sink's consumer settings): {consumed / rawClock.Elapsed.TotalSeconds,12:N0} messages/s");
            raw.Close();
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration[$"ConnectionStrings:{KafkaConnection.ConnectionStringName}"] = kafka.BootstrapServers;
        builder.Configuration["FraudDetection:DataDirectory"] = directory;
        builder.Configuration["Graph:BatchSize"] = batch.ToString(CultureInfo.InvariantCulture);
        builder.Configuration["Graph:ChannelCapacity"] = (batch * 2).ToString(CultureInfo.InvariantCulture);
        builder.AddGraphSink();
        using var host = builder.Build();
        var status = host.Services.GetRequiredService<GraphSinkStatus>();
        await host.StartAsync();
        // Time from the first written batch: joining the consumer group is not write throughput.
        while (status.EdgesWritten == 0)
        {
            await Task.Delay(1);
        }
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var gc = GcSnapshot.Take();
        var from = status.EdgesWritten;
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (status.EdgesWritten < scored.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"  GC during the sink phase: {GcSnapshot.Take() - gc}");
        var written = status.EdgesWritten - from;
        await host.StopAsync();
        return (written, elapsed, cpuUsed);
    }

    /// <summary>Collections per generation and total pause, to see what the sink's allocations cost.</summary>
    private readonly record struct GcSnapshot(int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated)
    {
        public static GcSnapshot Take() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

        public static GcSnapshot operator -(GcSnapshot a, GcSnapshot b) =>
            new(a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2, a.Pause - b.Pause, a.Allocated - b.Allocated);

        public override string ToString() =>
            $"{Gen0} gen0 / {Gen1} gen1 / {Gen2} gen2 collections, {Pause.TotalMilliseconds:N0} ms paused, {Allocated / 1048576.0:N0} MB allocated";
    }

    private static ScoredTransaction Score(Transaction t)
    {
        var score = (uint)t.TransNum.GetHashCode(StringComparison.Ordinal) % 1000 / 1000.0;
        return new ScoredTransaction(t, score, 0.9, score >= 0.9, "bench", [], new ScoringTimings(1, 0.1, 64), DateTimeOffset.UtcNow);
    }
}
