using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Features;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Labels;
using FraudDetection.Scoring.Merchants;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FraudDetection.Tests.Scoring;

/// <summary>An embedded broker, a temp folder for checkpoints, and helpers to feed and read the topics.</summary>
public sealed class ScoringHarness : IDisposable
{
    private readonly List<(ScoringConsumer Consumer, Task Run, CancellationTokenSource Stop)> running = [];
    private readonly IProducer<byte[], byte[]> producer;
    private readonly List<ChampionModelProvider> providers = [];
    private readonly List<IDisposable> stores = [];
    private readonly List<(Task Run, CancellationTokenSource Stop)> merchantServices = [];
    private readonly bool ownsDirectory;

    /// <param name="partitions">Partitions of every topic.</param>
    /// <param name="merchants">Also run a merchant table (the pipeline joins it) and its reader; start the stage with <see cref="StartMerchantStage"/>.</param>
    /// <param name="labels">Also follow <c>fraud.labels</c> into a <see cref="LabelTable"/> the card states count.</param>
    /// <param name="directory">Checkpoints and registry of an earlier harness (kept when this one is disposed): its state on a new, empty broker.</param>
    public ScoringHarness(int partitions = 4, bool merchants = false, bool labels = false, string? directory = null)
    {
        Kafka = EmbeddedKafka.Start(partitions: partitions);
        ownsDirectory = directory is null;
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("scoring-tests-").FullName;
        producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = Kafka.BootstrapServers, LingerMs = 1 }).Build();
        if (merchants)
        {
            MerchantTable = new MerchantTable(FeatureOptions.Default);
            Pipeline = new OnlineFeaturePipeline(merchantTable: MerchantTable);
        }
        else if (labels)
        {
            LabelTable = new LabelTable();
            Pipeline = new OnlineFeaturePipeline(labelTable: LabelTable);
            var stop = new CancellationTokenSource();
            merchantServices.Add((new LabelTableReader(Kafka.BootstrapServers, LabelTable, NullLogger.Instance).RunAsync(stop.Token), stop));
        }
        else
        {
            Pipeline = ScoringModels.Pipeline();
        }
    }

    /// <summary>The verdicts the pipeline counts (null unless made with labels).</summary>
    public LabelTable? LabelTable { get; }

    public EmbeddedKafka Kafka { get; }
    public string Directory { get; }
    public IFeaturePipeline Pipeline { get; }

    /// <summary>The merchant table the pipeline joins (null without merchant features).</summary>
    public MerchantTable? MerchantTable { get; }

    /// <summary>Options for the merchant side: a short idle time so a test's quiet partitions do not hold the table back long.</summary>
    public static MerchantOptions MerchantOptions(string group = "merchant-stage") => new() { StageGroup = group, IdleAfterMs = 300, StageCheckpointIntervalMs = 100 };

    /// <summary>Starts the table reader of <see cref="MerchantTable"/> (checkpoints of group <paramref name="scoringGroup"/> in <paramref name="store"/>).</summary>
    public void StartMerchantTableReader(ICheckpointStore store, string scoringGroup)
    {
        var stop = new CancellationTokenSource();
        var reader = new MerchantTableReader(Kafka.BootstrapServers, MerchantTable!, store, Options(scoringGroup), NullLogger.Instance, MerchantOptions());
        merchantServices.Add((reader.RunAsync(stop.Token), stop));
    }

    /// <summary>Starts a member of the merchant stage; cancel the returned source for a clean stop (checkpoint, leave).</summary>
    /// <param name="handOver">In process with <see cref="MerchantTable"/>, as in the service: partials and table messages are handed over once acknowledged. Off: as a stage in another process, everything through the broker.</param>
    public (MerchantStage Stage, Task Run, CancellationTokenSource Stop) StartMerchantStage(ICheckpointStore store, string group = "merchant-stage", bool handOver = true)
    {
        var stop = new CancellationTokenSource();
        var stage = new MerchantStage(Kafka.BootstrapServers, MerchantOptions(group), store, NullLogger.Instance, handOver ? MerchantTable : null);
        var run = stage.RunAsync(stop.Token);
        merchantServices.Add((run, stop));
        return (stage, run, stop);
    }

    public static ScoringOptions Options(string group, int checkpointMs = 100) => new()
    {
        ConsumerGroup = group,
        MaxBatchSize = 64,
        MaxBatchWaitMs = 1,
        CheckpointIntervalMs = checkpointMs,
        CheckpointMinMessages = 0,
        DedupeWindow = 10_000,
        Consumer = new() { ["session.timeout.ms"] = "6000", ["heartbeat.interval.ms"] = "500" },
    };

    public ICheckpointStore Store(string name) => new SqliteCheckpointStore(Path.Combine(Directory, name + ".db"));

    /// <summary>A checkpoint store of the kind <c>Scoring:CheckpointStore</c> names: a SQLite file, or a topic on this broker.</summary>
    public ICheckpointStore Store(string name, string kind)
    {
        if (kind != CheckpointStores.Kafka)
        {
            return Store(name);
        }
        // The embedded broker never answers CreateTopics: a short admin timeout, then it auto-creates the topic.
        var store = new KafkaCheckpointStore(Kafka.BootstrapServers, "checkpoints." + name, timeout: TimeSpan.FromSeconds(20), adminTimeout: TimeSpan.FromSeconds(1));
        stores.Add(store);
        return store;
    }

    public (ScoringConsumer Consumer, ScoringStats Stats) Start(ScoringOptions options, IModelSource models, ICheckpointStore store,
        MerchantOptions? merchantOptions = null)
    {
        var stats = new ScoringStats();
        var consumer = new ScoringConsumer(Kafka.BootstrapServers, options, Pipeline, models, store, new ScoringTelemetry(), stats, NullLogger.Instance,
            merchantOptions: merchantOptions ?? MerchantOptions());
        var stop = new CancellationTokenSource();
        running.Add((consumer, consumer.RunAsync(stop.Token), stop));
        return (consumer, stats);
    }

    /// <summary>Clean stop: in-hand messages scored, checkpoint, commit, leave group.</summary>
    public async Task StopAsync(ScoringConsumer consumer)
    {
        var entry = running.Single(r => r.Consumer == consumer);
        await entry.Stop.CancelAsync();
        await entry.Run.WaitAsync(TimeSpan.FromSeconds(30));
        running.Remove(entry);
    }

    /// <summary>Unclean stop, as a crash: nothing more is checkpointed or committed.</summary>
    public async Task KillAsync(ScoringConsumer consumer)
    {
        var entry = running.Single(r => r.Consumer == consumer);
        consumer.Kill();
        await entry.Run.WaitAsync(TimeSpan.FromSeconds(30));
        running.Remove(entry);
    }

    /// <summary>A file registry under the harness folder with <paramref name="modelDirectory"/> as champion, and a provider that loaded it.</summary>
    public async Task<(FraudDetection.Core.Registry.FileModelRegistry Registry, ChampionModelProvider Models)> ChampionAsync(string modelDirectory)
    {
        var registry = await ScoringModels.RegistryWithChampionAsync(Path.Combine(Directory, "registry"), modelDirectory);
        var provider = new ChampionModelProvider(registry, new OnnxModelLoader(computes: Pipeline.Computes), Microsoft.Extensions.Options.Options.Create(new ScoringOptions()), NullLogger<ChampionModelProvider>.Instance);
        (await provider.RefreshAsync(CancellationToken.None)).Should().BeTrue(provider.Status);
        providers.Add(provider);
        return (registry, provider);
    }

    public void Produce(IEnumerable<Transaction> transactions)
    {
        foreach (var t in transactions)
        {
            producer.Produce(Topics.Transactions, MessageOf(t));
        }
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Produces <paramref name="transactions"/> to <paramref name="partition"/> (keyed by card as usual) and waits for them.</summary>
    public void ProduceTo(int partition, IEnumerable<Transaction> transactions)
    {
        foreach (var t in transactions)
        {
            producer.Produce(new TopicPartition(Topics.Transactions, partition), MessageOf(t));
        }
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>A transaction as the Producer sends it: keyed by card, JSON.</summary>
    private static Message<byte[], byte[]> MessageOf(Transaction t) => new()
    {
        Key = Encoding.UTF8.GetBytes(t.CcNum.ToString(CultureInfo.InvariantCulture)),
        Value = JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction),
    };

    public void ProduceRaw(byte[]? key, byte[] value, Headers? headers = null) =>
        producer.Produce(Topics.Transactions, new Message<byte[], byte[]> { Key = key!, Value = value, Headers = headers });

    public void Flush() => producer.Flush(TimeSpan.FromSeconds(30));

    /// <summary>Every message on <paramref name="topic"/>, read from the beginning until <paramref name="until"/> holds or the time is up.</summary>
    public List<ConsumeResult<byte[], byte[]>> ReadAll(string topic, Func<List<ConsumeResult<byte[], byte[]>>, bool> until, TimeSpan? timeout = null)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = Kafka.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).Build();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        reader.Assign(metadata.Topics[0].Partitions.Select(p => new TopicPartitionOffset(topic, p.PartitionId, Offset.Beginning)));
        var all = new List<ConsumeResult<byte[], byte[]>>();
        var clock = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (!until(all) && clock.Elapsed < limit)
        {
            var message = reader.Consume(100);
            if (message is not null)
            {
                all.Add(message);
            }
        }
        return all;
    }

    public List<ScoredTransaction> ReadScored(Func<List<ScoredTransaction>, bool> until, TimeSpan? timeout = null)
    {
        var scored = new List<ScoredTransaction>();
        ReadAll(Topics.Scored, all =>
        {
            while (scored.Count < all.Count)
            {
                scored.Add(JsonSerializer.Deserialize(all[scored.Count].Message.Value, FraudJsonContext.Default.ScoredTransaction)!);
            }
            return until(scored);
        }, timeout);
        return scored;
    }

    /// <param name="state">What the failure message reports of the run when the wait times out.</param>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? state = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("timed out waiting until " + what + (state is null ? "" : " (" + state() + ")"));
            }
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        foreach (var (run, stop) in merchantServices)
        {
            stop.Cancel();
            try
            {
                run.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
                // Teardown after a failed test: the failure is already reported.
            }
        }
        foreach (var (consumer, run, stop) in running)
        {
            consumer.Kill();
            stop.Cancel();
            try
            {
                run.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
                // Teardown after a failed test: the failure is already reported.
            }
        }
        producer.Dispose();
        foreach (var store in stores)
        {
            store.Dispose();
        }
        Kafka.Dispose();
        foreach (var provider in providers)
        {
            provider.Dispose();
        }
        if (!ownsDirectory)
        {
            return;
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>The offline reference scorer.</summary>
public static class TestTransactions
{
    /// <summary>
    /// Scores as the training library's backtest does (<see cref="FraudDetection.Training.Backtest.BacktestRunner"/>:
    /// the same feature code replayed in order, the same ONNX model, in batches); a repeated trans_num is dropped as
    /// the stream's dedupe does.
    /// </summary>
    public static Dictionary<string, double> Offline(IEnumerable<Transaction> inOrder, IScoringModel model)
    {
        var seen = new HashSet<string>();
        var scores = new Dictionary<string, double>();
        var backtest = new FraudDetection.Training.Backtest.BacktestRunner(((OnnxScoringModel)model).Model);
        backtest.Run([], inOrder.Where(t => seen.Add(t.TransNum)).ToList(), score => scores[score.TransNum] = score.Score);
        return scores;
    }
}

/// <summary>
/// The champion (same scores), holding each batch once <paramref name="rowsBeforeHold"/> rows were scored until
/// <see cref="Release"/>, so a test stops or kills an instance mid-stream at a position, however late it runs.
/// </summary>
public sealed class HeldModelSource(IModelSource inner, int rowsBeforeHold) : IModelSource
{
    private readonly ManualResetEventSlim released = new(false);
    private HeldModel? held;
    private int rowsScored;

    public IScoringModel? Current
    {
        get
        {
            var model = inner.Current;
            if (model is null)
            {
                return null;
            }
            if (held?.Inner != model)
            {
                held = new HeldModel(model, this);
            }
            return held;
        }
    }

    public string Status => inner.Status;

    /// <summary>Rows scored so far (the hold keeps this at or just past <paramref name="rowsBeforeHold"/>).</summary>
    public int RowsScored => Volatile.Read(ref rowsScored);

    /// <summary>Lets every held and later batch through.</summary>
    public void Release() => released.Set();

    private void WaitTurn(int rows)
    {
        if (Volatile.Read(ref rowsScored) >= rowsBeforeHold && !released.Wait(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("the test never released the held batch");
        }
        Interlocked.Add(ref rowsScored, rows);
    }

    private sealed class HeldModel(IScoringModel model, HeldModelSource source) : IScoringModel
    {
        public IScoringModel Inner => model;
        public string Version => model.Version;
        public double Threshold => model.Threshold;
        public IReadOnlyList<string> FeatureNames => model.FeatureNames;
        public FeatureSchema Schema => model.Schema;

        public void Predict(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
        {
            source.WaitTurn(rows);
            model.Predict(features, rows, probabilities);
        }

        public FraudDetection.Core.Models.ModelExplanation Explain(ReadOnlySpan<float> row) => model.Explain(row);

        public void Dispose()
        {
            // The inner model belongs to its provider.
        }
    }
}
