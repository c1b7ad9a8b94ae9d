using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using FraudDetection.Benchmarks.Hosting;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Transactions;
using FraudDetection.Training.Backtest;
using Microsoft.Data.Sqlite;

namespace FraudDetection.Benchmarks.Faults;

/// <summary>What the broker held when the stream had drained: the messages on the dead-letter topics.</summary>
internal sealed record FaultStreamState(long DeadLettered, bool Drained);

/// <summary>
/// Reads what the run left (the graph's SQLite file, the Notifier's ledger and dry-run outbox, web's alert store, the
/// registry's champion) and compares it, row by row, with the replayed rows scored by an uninterrupted backtest.
/// </summary>
internal static class FaultCheck
{
    private const double ScoreTolerance = 1e-6;

    /// <summary>Waits until the replay is finished and every row and alert has reached the graph, the Notifier and web.</summary>
    public static async Task<FaultStreamState> WaitForDrainAsync(DistributedApplication app, string data, int rows, TimeSpan timeout,
        Action<string> log, CancellationToken cancellationToken)
    {
        using var producer = app.CreateHttpClient("producer");
        var drained = true;
        try
        {
            await AppHostRun.PollAsync(async () =>
            {
                var status = await AppHostRun.ProducerStatusAsync(producer, cancellationToken);
                if (status.State != "finished")
                {
                    return false;
                }
                var counts = Counts(data);
                return counts.GraphRows >= rows && counts.Delivered >= counts.GraphAlerts && counts.WebAlerts >= counts.GraphAlerts;
            }, $"all {rows} rows in the graph and every alert delivered", timeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            drained = false;
            log($"{e.Message}: {Counts(data)}");
        }
        log($"drained: {Counts(data)}");
        var bootstrap = await app.GetConnectionStringAsync("kafka", cancellationToken)
            ?? throw new InvalidOperationException("the broker has no connection string");
        return new FaultStreamState(MessagesOn(bootstrap, [Topics.DeadLetter, Topics.NotificationsDeadLetter]), drained);
    }

    public static FaultReport Compare(string data, IReadOnlyList<Transaction> replay, FaultStreamState stream, int kills, double recovered,
        IReadOnlyList<string> unhealthy)
    {
        var problems = new List<string>();
        var graph = new Dictionary<string, List<(double Score, bool Alert)>>(StringComparer.Ordinal);
        using (var connection = Open(Path.Combine(data, "graph", "graph.db")))
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT trans_num, score, is_alert FROM edges";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var transNum = reader.GetString(0);
                if (!graph.TryGetValue(transNum, out var list))
                {
                    graph[transNum] = list = [];
                }
                list.Add((reader.GetDouble(1), reader.GetInt64(2) == 1));
            }
        }

        var champion = new FileModelRegistry(Path.Combine(data, "registry")).GetByAliasAsync(ModelRegistryNames.ChampionAlias).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("the run registered no champion");
        using var model = FraudModel.Load(champion.OnnxPath, FeatureSchema.Current);
        var expected = new Dictionary<string, float>(StringComparer.Ordinal);
        new BacktestRunner(model).Run([], replay, s => expected[s.TransNum] = s.Score);

        long lost = 0, duplicated = 0, wrong = 0;
        var alerts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in replay)
        {
            if (!graph.TryGetValue(row.TransNum, out var edges))
            {
                lost++;
                Note(problems, $"not in the graph: {row.TransNum}");
                continue;
            }
            if (edges.Count > 1)
            {
                duplicated += edges.Count - 1;
                Note(problems, $"{edges.Count} times in the graph: {row.TransNum}");
            }
            var (score, alert) = edges[0];
            var offline = expected[row.TransNum];
            if (Math.Abs(score - offline) > ScoreTolerance || alert != offline >= model.Threshold)
            {
                wrong++;
                Note(problems, $"score {score} (alert {alert}) against the backtest's {offline}: {row.TransNum}");
            }
            if (alert)
            {
                alerts.Add(row.TransNum);
            }
        }

        var delivered = Column(Path.Combine(data, "notifier", "notifier.db"), "SELECT trans_num FROM deliveries");
        var stored = Column(Path.Combine(data, "web", "alerts.db"), "SELECT trans_num FROM alerts");
        foreach (var alert in alerts)
        {
            if (!delivered.Contains(alert))
            {
                lost++;
                Note(problems, $"alert with no delivery record: {alert}");
            }
            if (!stored.Contains(alert))
            {
                lost++;
                Note(problems, $"alert not in web's store: {alert}");
            }
        }
        foreach (var (transNum, times) in OutboxCounts(Path.Combine(data, "notifier", "outbox.jsonl")))
        {
            if (times > 1)
            {
                duplicated += times - 1;
                Note(problems, $"notified {times} times: {transNum}");
            }
        }
        if (!stream.Drained)
        {
            problems.Insert(0, "the stream did not drain in time");
        }
        return new FaultReport(kills, replay.Count, lost, duplicated, wrong, alerts.Count, stream.DeadLettered, recovered, unhealthy, problems);
    }

    /// <summary>Distinct transactions in the graph so far.</summary>
    public static long GraphRows(string data) => Scalar(Path.Combine(data, "graph", "graph.db"), "SELECT COUNT(DISTINCT trans_num) FROM edges");

    internal readonly record struct StoreCounts(long GraphRows, long GraphAlerts, long Delivered, long WebAlerts);

    private static StoreCounts Counts(string data) => new(
        Scalar(Path.Combine(data, "graph", "graph.db"), "SELECT COUNT(DISTINCT trans_num) FROM edges"),
        Scalar(Path.Combine(data, "graph", "graph.db"), "SELECT COUNT(*) FROM edges WHERE is_alert = 1"),
        Scalar(Path.Combine(data, "notifier", "notifier.db"), "SELECT COUNT(*) FROM deliveries"),
        Scalar(Path.Combine(data, "web", "alerts.db"), "SELECT COUNT(*) FROM alerts"));

    private static long Scalar(string file, string sql)
    {
        if (!File.Exists(file))
        {
            return 0;
        }
        try
        {
            using var connection = Open(file);
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0; // a table not created yet
        }
    }

    private static HashSet<string> Column(string file, string sql)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            return values;
        }
        using var connection = Open(file);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    private static Dictionary<string, int> OutboxCounts(string file)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(file))
        {
            return counts;
        }
        foreach (var line in File.ReadLines(file).Where(l => l.Length > 0))
        {
            using var entry = JsonDocument.Parse(line);
            foreach (var transNum in entry.RootElement.GetProperty("trans_nums").EnumerateArray())
            {
                var key = transNum.GetString()!;
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return counts;
    }

    private static long MessagesOn(string bootstrap, IReadOnlyList<string> topics)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "fault-check" }).Build();
        long total = 0;
        foreach (var topic in topics)
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == topic);
            if (metadata is null || metadata.Error.IsError)
            {
                continue; // never created: nothing was dead-lettered there
            }
            foreach (var partition in metadata.Partitions)
            {
                var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition.PartitionId), TimeSpan.FromSeconds(10));
                total += offsets.High - offsets.Low;
            }
        }
        return total;
    }

    private static SqliteConnection Open(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Note(List<string> problems, string problem)
    {
        if (problems.Count < 20)
        {
            problems.Add(problem);
        }
    }
}
