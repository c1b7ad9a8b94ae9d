using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Benchmarks.Cli;
using FraudDetection.Core.Features;
using FraudDetection.Core.Hosting;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Core.Models;
using FraudDetection.Core.Registry;
using FraudDetection.Core.Telemetry;
using FraudDetection.Scoring.Champion;
using FraudDetection.Scoring.Checkpoints;
using FraudDetection.Scoring.Features;
using FraudDetection.Scoring.Merchants;
using FraudDetection.Scoring.Options;
using FraudDetection.Scoring.Pipeline;
using FraudDetection.Scoring.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FraudDetection.Benchmarks.Scoring;

/// <summary>
/// <c>dotnet run -c Release --project FraudDetection.Benchmarks -- scoring [--transactions N] [--model DIR] [--rate 10000] [--seconds 5]</c>:
/// the end-to-end benchmark on the embedded broker — the real consume → features → ONNX → produce path — beside the
/// raw limits measured in the same run (ONNX batch inference alone; Kafka consume + produce alone), then the same
/// backlog again with the merchant stage on (partials out, the stage, the merchant table read back and joined), and
/// last a live stream both ways (<see cref="LiveStream"/>), in the data set's event time and then in real time.
/// </summary>
public static class ScoringBench
{
    internal const string RawTopic = "bench.raw";

    /// <summary>Partitions of merchant.partials and merchant.features in the merchant run (the development broker's default is 4).</summary>
    private const int MerchantStagePartitions = 8;

    /// <summary>How long an end-to-end run may take before the bench reports what it got and stops.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(10);

    public static Command Build()
    {
        var transactions = new Option<int>("--transactions") { Description = "Transactions preloaded for the throughput run", DefaultValueFactory = _ => 300_000 };
        var rate = new Option<int>("--rate") { Description = "Transactions per second offered in the latency run; the live stream starts there and goes up by as much each step", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<int>("--seconds") { Description = "Length of the latency run and of each live step", DefaultValueFactory = _ => 5 };
        var model = new Option<string?>("--model")
        {
            Description = "Model folder or .onnx file, or 'champion' (the champion under .data/registry); default: a bench model trained from the data, " +
                          "with a card-features twin of the same size for the card-only runs",
        };
        var inferenceThreads = new Option<int>("--inference-threads") { Description = "ONNX Runtime intra-op threads", DefaultValueFactory = _ => 1 };
        var data = new Option<string>("--data") { Description = "Kaggle-schema CSV the transactions come from (looped)", DefaultValueFactory = _ => RepositoryFiles.SampleRelativePath };
        var maxHeld = new Option<int>("--max-held-per-partition")
        {
            Description = "Scoring:Merchant:MaxParkedPerPartition in the merchant run (rows held per partition before its fetching pauses)",
            DefaultValueFactory = _ => new MerchantOptions().MaxParkedPerPartition,
        };
        var liveRounds = new Option<int>("--live-rounds")
        {
            Description = "Live stream pairs (card features only, then with the merchant stage, the order swapped each round); the ratio is their median",
            DefaultValueFactory = _ => 3,
        };
        var command = new Command("scoring", "Scoring end to end on the development broker (consume → features → ONNX → produce, acknowledged), beside its raw limits.")
        {
            transactions, rate, seconds, model, inferenceThreads, data, maxHeld, liveRounds,
        };
        command.SetAction(parse => RunAsync(parse.GetValue(transactions), parse.GetValue(rate), parse.GetValue(seconds), parse.GetValue(model),
            parse.GetValue(inferenceThreads), RepositoryFiles.Resolve(parse.GetValue(data)!), parse.GetValue(maxHeld), parse.GetValue(liveRounds)));
        return command;
    }

    public static async Task<int> RunAsync(int count, int rate, int seconds, string? modelArg, int inferenceThreads, string dataFile,
        int maxHeldPerPartition, int liveRounds = 3)
    {
        if (maxHeldPerPartition < 1)
        {
            Console.Error.WriteLine($"--max-held-per-partition must be at least 1 (got {maxHeldPerPartition})");
            return 2;
        }
        if (liveRounds < 1)
        {
            Console.Error.WriteLine($"--live-rounds must be at least 1 (got {liveRounds})");
            return 2;
        }
        var work = Directory.CreateTempSubdirectory("scoring-bench-").FullName;
        try
        {
            Console.WriteLine($"scoring bench: {count:N0} transactions preloaded, then {rate:N0} tx/s offered for {seconds} s; " +
                              $"{Environment.ProcessorCount} cores (shared with other work on this machine)");

            var sample = TransactionCsv.ReadFile(dataFile).ToList();
            IScoringModel loadedModel;
            try
            {
                loadedModel = LoadOrTrainModel(modelArg, sample, inferenceThreads);
            }
            catch (Exception e) when (e is FileNotFoundException or ModelSchemaMismatchException)
            {
                Console.Error.WriteLine($"scoring bench: {e.Message}");
                return 2;
            }
            using var model = loadedModel;
            // The card-only runs are Scoring as it was before the merchant stage: a model of card features. A model that
            // reads merchant features would see them all -1 there, score out of its training and alert at another rate.
            using var cardModel = MerchantLink.Needs(model.Schema) ? TrainCardModel(sample, inferenceThreads) : null;
            if (cardModel is not null && modelArg is not null)
            {
                Console.WriteLine("note: --model is not the bench model, so the card-only and merchant runs score with models of different sizes; " +
                                  "leave --model out for a side by side of equal models");
            }
            var cardOnlyModel = cardModel ?? model;
            var pipeline = new OnlineFeaturePipeline();

            var preload = Loop(sample, 0, count);
            var live = Loop(sample, count, rate * seconds);
            var (preloadKeys, preloadValues) = Encode(preload);

            // Raw limit 1: ONNX batch inference alone, on the features of the preloaded rows, batches as the stream makes them.
            var options = new ScoringOptions { ConsumerGroup = "bench", CheckpointPath = Path.Combine(work, "checkpoints.db") };
            var onnxRate = MeasureOnnx(cardOnlyModel, preload, options.MaxBatchSize);
            Console.WriteLine($"raw limit, ONNX batch inference alone (batch {options.MaxBatchSize}, {inferenceThreads} ONNX thread(s)): {onnxRate:N0} rows/s");

            // The embedded (mock) broker keeps only the newest ~5 MB of each partition: spread the backlog so it all stays.
            // Cards hash unevenly onto partitions, so a preload that lost its oldest rows is redone on twice as many.
            var partitions = Math.Max(4, (int)Math.Ceiling(count * 1200.0 / (4 << 20)));
            EmbeddedKafka? started = null;
            for (var attempt = 1; started is null; attempt++)
            {
                var candidate = EmbeddedKafka.Start(partitions: partitions);
                var clock = Stopwatch.StartNew();
                ProduceAll(candidate.BootstrapServers, Topics.Transactions, preloadKeys, preloadValues);
                var dropped = DroppedByRetention(candidate.BootstrapServers, Topics.Transactions, partitions);
                if (dropped == 0)
                {
                    Console.WriteLine($"preloaded {count:N0} transactions on {partitions} partitions in {clock.Elapsed.TotalSeconds:0.00} s");
                    started = candidate;
                    break;
                }
                candidate.Dispose();
                if (attempt == 3)
                {
                    Console.Error.WriteLine($"scoring bench: the development broker dropped {dropped:N0} of {count:N0} preloaded transactions even on " +
                                            $"{partitions} partitions (it keeps ~5 MB a partition); run with fewer --transactions");
                    return 1;
                }
                Console.WriteLine($"preload on {partitions} partitions lost its {dropped:N0} oldest rows to the broker's retention; again on {partitions * 2}");
                partitions *= 2;
            }
            using var kafka = started;
            kafka.CreateTopic(RawTopic, partitions);

            // Raw limit 2: Kafka consume + produce alone (same topics' sizes, same producer settings, no work between).
            var scoredSize = TypicalScoredBytes(cardOnlyModel, preload[0]);
            var kafkaRate = MeasureKafka(kafka.BootstrapServers, count, scoredSize);
            Console.WriteLine($"raw limit, Kafka consume + produce alone ({scoredSize.Length} B records, idempotent producer, acks=all): {kafkaRate:N0} msg/s");

            // End to end.
            var latencies = new LatencyRecorder();
            using var telemetry = new ScoringTelemetry();
            using var listener = latencies.Listen(telemetry);
            var source = new FixedModelSource(cardOnlyModel);
            var stats = new ScoringStats();
            var consumer = new ScoringConsumer(kafka.BootstrapServers, options, pipeline, source, new SqliteCheckpointStore(options.CheckpointPath!),
                telemetry, stats, NullLogger.Instance);
            using var stop = new CancellationTokenSource();
            var run = consumer.RunAsync(stop.Token);
            EndToEnd cardOnly;
            try
            {
                cardOnly = await MeasureEndToEndAsync(kafka.BootstrapServers, stats, count, partitions);
            }
            catch (RunLimitException e)
            {
                await stop.CancelAsync();
                await run;
                consumer.Dispose();
                Console.Error.WriteLine($"scoring bench: end to end did not finish: {e.Message}; run with fewer --transactions");
                return 1;
            }
            var backlog = latencies.TakeSnapshot();
            var backlogStats = stats.Snapshot("", null, null);
            var (throughput, cpuPerTx) = (cardOnly.Rate, cardOnly.CpuMicrosPerTx);
            Console.WriteLine($"end to end, preloaded backlog: {count:N0} scored in {cardOnly.Elapsed.TotalSeconds:0.00} s = {throughput:N0} tx/s " +
                              $"(mean batch {backlogStats.MeanBatchSize:0}, {backlogStats.Alerts:N0} alerts with TreeSHAP reasons; {cardOnly.Costs}, broker included); event→scored p50 {Percentile(backlog, 50):0.0} ms, " +
                              $"p99 {Percentile(backlog, 99):0.0} ms (a drained backlog: queueing included)");

            // Latency under offered load.
            var liveLatencies = await OfferLoadAsync(kafka.BootstrapServers, live, rate, stats, latencies, count);
            Console.WriteLine($"end to end at {rate:N0} tx/s offered: event→scored p50 {Percentile(liveLatencies, 50):0.0} ms, " +
                              $"p99 {Percentile(liveLatencies, 99):0.0} ms, max {liveLatencies.DefaultIfEmpty().Max():0.0} ms over {liveLatencies.Length:N0} transactions");

            await stop.CancelAsync();
            await run;
            consumer.Dispose();

            // The same backlog and model with the merchant features computed live (a fresh broker: the stage and the table start empty).
            var merchant = await MeasureWithMerchantStageAsync(model, preloadKeys, preloadValues, partitions, work, maxHeldPerPartition);
            var merchantFeatures = $"the model {(MerchantLink.Needs(model.Schema) ? "reads" : "does not read")} merchant features";
            Console.WriteLine(merchant.Unfinished is null
                ? $"end to end with the merchant stage: {count:N0} scored in {merchant.Measured.Elapsed.TotalSeconds:0.00} s = {merchant.Measured.Rate:N0} tx/s " +
                  $"({merchant.Alerts:N0} alerts; {merchant.Measured.Costs}, stage and table reader included; {merchant.Days:N0} merchant days published; " +
                  $"{merchantFeatures}; {merchant.Waits:N0} held for the table; {merchant.HandedOver}; the first scored {merchant.FirstScored.After.TotalSeconds:0.0} s in, " +
                  $"with {merchant.FirstScored.Held / (double)count:P0} of the backlog read and held)"
                : $"end to end with the merchant stage did not finish: {merchant.Unfinished} = {merchant.Measured.Rate:N0} tx/s " +
                  $"({merchant.Days:N0} merchant days published; {merchantFeatures}; {merchant.Waits:N0} held for the table)");
            Console.WriteLine($"side by side: card features only {throughput:N0} tx/s ({cpuPerTx:0.0} µs/tx) | with the merchant stage {merchant.Measured.Rate:N0} tx/s " +
                              $"({merchant.Measured.CpuMicrosPerTx:0.0} µs/tx) = {merchant.Measured.Rate / throughput:P0} of the throughput");

            // A live stream both ways, on fresh brokers: the rate offered goes up a step at a time while Scoring keeps up.
            // One pair's ratio turns on whether a 5 s step on shared cores holds, so the pairs are repeated, the order
            // swapped each round, and the median taken. First the data set's own event times, its days going by
            // every few milliseconds at these rates (each closing a merchant day); then, after the same warm-up, the
            // rows in real time.
            async Task<LiveStream.Summary> LiveRoundsAsync(bool realTime)
            {
                var pairs = new List<LiveStream.Pair>();
                var stream = realTime ? "a live stream in real time" : "a live stream";
                for (var round = 1; round <= liveRounds; round++)
                {
                    var label = liveRounds > 1 ? $"round {round}, " : "";
                    // Each round's checkpoints apart: a run restored from the last round's would start with its cards and
                    // its merchant table, which already cover the same looped days.
                    var roundWork = Directory.CreateDirectory(Path.Combine(work, $"live-{(realTime ? "real-time" : "replay")}-round-{round}")).FullName;
                    var live = realTime ? "live in real time" : "live";
                    Task<LiveStream.Result> CardAsync() => LiveStream.RunAsync(cardOnlyModel, sample, withMerchantStage: false, rate, seconds, roundWork,
                        step => Console.WriteLine($"  {live}, {label}card features only: {step}"), realTime);
                    Task<LiveStream.Result> MerchantAsync() => LiveStream.RunAsync(model, sample, withMerchantStage: true, rate, seconds, roundWork,
                        step => Console.WriteLine($"  {live}, {label}with the merchant stage: {step}"), realTime);
                    LiveStream.Result card, withStage;
                    if (round % 2 == 1)
                    {
                        card = await CardAsync();
                        withStage = await MerchantAsync();
                    }
                    else
                    {
                        withStage = await MerchantAsync();
                        card = await CardAsync();
                    }
                    var pair = new LiveStream.Pair(card, withStage);
                    pairs.Add(pair);
                    Console.WriteLine($"side by side, {stream}, {label}{seconds} s a step, {rate:N0} tx/s more each, {LiveStream.Partitions} partitions: {pair}");
                }
                var summary = LiveStream.Pair.Summarize(pairs);
                Console.WriteLine(summary.ToString(stream));
                return summary;
            }
            var liveStream = await LiveRoundsAsync(realTime: false);
            var liveRealTime = await LiveRoundsAsync(realTime: true);

            var slower = Math.Min(onnxRate, kafkaRate);
            var ratio = throughput / slower;
            Console.WriteLine($"ratio end-to-end / slower raw limit ({(onnxRate < kafkaRate ? "ONNX" : "Kafka")}): {ratio:0.00}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"throughput_tx_s={throughput:0} p99_ms={Percentile(liveLatencies, 99):0.0} limit_ratio={ratio:0.00} merchant_stage_tx_s={merchant.Measured.Rate:0} merchant_stage_ratio={merchant.Measured.Rate / throughput:0.00} " +
                $"live_tx_s={liveStream.CardHeld:0} merchant_live_tx_s={liveStream.MerchantHeld:0} merchant_live_ratio={liveStream.Ratio:0.00} merchant_live_cpu_ratio={liveStream.CpuRatio:0.00} " +
                $"live_real_time_tx_s={liveRealTime.CardHeld:0} merchant_live_real_time_tx_s={liveRealTime.MerchantHeld:0} merchant_live_real_time_ratio={liveRealTime.Ratio:0.00} merchant_live_real_time_cpu_ratio={liveRealTime.CpuRatio:0.00}"));
            return merchant.Unfinished is null ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // Temp folder: the OS cleans it.
            }
        }
    }

    private static IScoringModel TrainCardModel(List<Transaction> sample, int inferenceThreads)
    {
        var onnx = BenchModel.Ensure(BenchModel.DataConfiguration(), sample, new FeatureSelection(TransactionInputs.All, [FeatureGroups.Card]));
        Console.WriteLine($"card features only: {BenchModel.Description}, card features ({onnx})");
        return OnnxModelLoader.Load("bench-card", onnx, inferenceThreads);
    }

    /// <summary>The <c>--model</c> value that names the registry's champion.</summary>
    private const string ChampionModel = "champion";

    private static IScoringModel LoadOrTrainModel(string? modelArg, List<Transaction> sample, int inferenceThreads)
    {
        var configuration = BenchModel.DataConfiguration();
        if (modelArg == ChampionModel)
        {
            var registryDirectory = Path.Combine(DataPaths.Root(configuration), "registry");
            var champion = Directory.Exists(registryDirectory)
                ? new FileModelRegistry(registryDirectory).GetByAliasAsync(ModelRegistryNames.ChampionAlias).GetAwaiter().GetResult()
                : null;
            if (champion is null)
            {
                throw new FileNotFoundException($"--model champion: no champion under {registryDirectory} (start the system once, or train and promote a model)");
            }
            Console.WriteLine($"model: champion version {champion.Version} from {registryDirectory}");
            return new OnnxModelLoader(inferenceThreads).Load(champion);
        }
        if (modelArg is not null)
        {
            var path = Directory.Exists(modelArg) ? Path.Combine(modelArg, ModelRegistryNames.OnnxFileName) : modelArg;
            Console.WriteLine($"model: {path}");
            return OnnxModelLoader.Load("bench", path, inferenceThreads);
        }

        // A model of champion size trained from the data (kept under the data directory, so later runs reuse it): the
        // figures do not depend on which champion the data directory holds, and the card-only twin has the same size.
        var onnx = BenchModel.Ensure(configuration, sample);
        Console.WriteLine($"model: {BenchModel.Description} ({onnx})");
        return OnnxModelLoader.Load("bench", onnx, inferenceThreads);
    }

    /// <summary>The sample repeated: each lap shifted past the previous one in time, with its own trans_num.</summary>
    public static Transaction[] Loop(List<Transaction> sample, int skip, int count)
    {
        var span = sample[^1].TransDateTransTime - sample[0].TransDateTransTime + TimeSpan.FromDays(1);
        var result = new Transaction[count];
        for (var i = 0; i < count; i++)
        {
            var index = skip + i;
            var lap = index / sample.Count;
            var t = sample[index % sample.Count];
            result[i] = lap == 0 ? t : t with
            {
                TransNum = t.TransNum + "-" + lap.ToString(CultureInfo.InvariantCulture),
                TransDateTransTime = t.TransDateTransTime + span * lap,
                UnixTime = t.UnixTime + (long)(span * lap).TotalSeconds,
            };
        }
        return result;
    }

    internal static double MeasureOnnx(IScoringModel model, Transaction[] rows, int batch)
    {
        var take = Math.Min(rows.Length, 100_000);
        var matrix = FeatureMatrix.Build(rows.Take(take)); // full rows: the model projects them to its own columns
        var probabilities = new float[batch];
        var columns = matrix.Columns;
        model.Predict(matrix.Values.AsSpan(0, batch * columns), batch, probabilities); // warm-up
        var clock = Stopwatch.StartNew();
        var scored = 0;
        while (scored < rows.Length)
        {
            var start = scored % (matrix.Rows - batch);
            var n = Math.Min(batch, rows.Length - scored);
            model.Predict(matrix.Values.AsSpan(start * columns, n * columns), n, probabilities);
            scored += n;
        }
        return scored / clock.Elapsed.TotalSeconds;
    }

    internal static byte[] TypicalScoredBytes(IScoringModel model, Transaction t)
    {
        var scored = new ScoredTransaction(t, 0.0123, model.Threshold, false, model.Version, [], new ScoringTimings(1.5, 0.8, 1024), DateTimeOffset.UtcNow);
        return JsonSerializer.SerializeToUtf8Bytes(scored, FraudJsonContext.Default.ScoredTransaction);
    }

    // The service's own client settings, so the raw limit and the end-to-end run use the same Kafka configuration.
    private static ProducerConfig ProducerConfig(string bootstrap) => ScoringKafkaClients.ProducerConfig(bootstrap, new ScoringOptions());

    internal static void ProduceAll(string bootstrap, string topic, byte[][] keys, byte[][] values)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(ProducerConfig(bootstrap)).Build();
        for (var i = 0; i < values.Length; i++)
        {
            ProduceWhenRoom(producer, topic, keys[i], values[i]);
        }
        producer.Flush(TimeSpan.FromMinutes(5));
    }

    /// <summary>The rows as the Producer sends them: the card number as the key, the transaction's JSON as the value.</summary>
    internal static (byte[][] Keys, byte[][] Values) Encode(IReadOnlyList<Transaction> rows) =>
        ([.. rows.Select(t => Encoding.ASCII.GetBytes(t.CcNum.ToString(CultureInfo.InvariantCulture)))],
         [.. rows.Select(t => JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction))]);

    /// <summary>Produces one message; while the client's local queue is full, waits for the broker's acknowledgements.</summary>
    internal static void ProduceWhenRoom(IProducer<byte[], byte[]> producer, string topic, byte[] key, byte[] value)
    {
        var message = new Message<byte[], byte[]> { Key = key, Value = value };
        while (true)
        {
            try
            {
                producer.Produce(topic, message);
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    /// <summary>Messages the broker's retention removed from the front of the topic (the sum of the low watermarks).</summary>
    private static long DroppedByRetention(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-watermarks" }).Build();
        long dropped = 0;
        for (var partition = 0; partition < partitions; partition++)
        {
            dropped += consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).Low.Value;
        }
        return dropped;
    }

    internal static double MeasureKafka(string bootstrap, int count, byte[] outputValue)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(
            ScoringKafkaClients.ConsumerConfig(bootstrap, new ScoringOptions { ConsumerGroup = "bench-raw" })).Build();
        using var producer = new ProducerBuilder<byte[], byte[]>(ProducerConfig(bootstrap)).Build();
        consumer.Subscribe(Topics.Transactions);
        var first = consumer.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException("raw Kafka consumer got nothing");
        var clock = Stopwatch.StartNew();
        var message = new Message<byte[], byte[]> { Key = first.Message.Key, Value = outputValue };
        producer.Produce(RawTopic, message);
        for (var n = 1; n < count; n++)
        {
            var next = consumer.Consume(TimeSpan.FromSeconds(60)) ?? throw new TimeoutException($"raw Kafka consumer stalled at {n}");
            ProduceWhenRoom(producer, RawTopic, next.Message.Key, outputValue);
        }
        producer.Flush(TimeSpan.FromMinutes(5));
        var rate = count / clock.Elapsed.TotalSeconds;
        consumer.Close();
        return rate;
    }

    /// <summary>One end-to-end run: its rate, and per transaction the process's CPU and managed allocations.</summary>
    private sealed record EndToEnd(double Rate, TimeSpan Elapsed, double CpuMicrosPerTx, double AllocatedBytesPerTx, int Gen2Collections)
    {
        public string Costs => $"CPU {CpuMicrosPerTx:0.0} µs/tx, {AllocatedBytesPerTx / 1024:0.0} KB/tx allocated, {Gen2Collections} gen-2 GCs";
    }

    /// <summary>
    /// Timed from the first batch: its first scored transaction, or <paramref name="started"/> (the merchant run's first
    /// transaction held for the table: the work of holding counts, not only what follows it).
    /// </summary>
    private static async Task<EndToEnd> MeasureEndToEndAsync(string bootstrap, ScoringStats stats, int count, int partitionCount, Func<bool>? started = null)
    {
        using var admin = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "bench-watch" }).Build();
        var partitions = Enumerable.Range(0, partitionCount).Select(p => new TopicPartition(Topics.Scored, p)).ToList();
        while (stats.Scored == 0 && started?.Invoke() != true)
        {
            await Task.Delay(1);
        }
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var gen2 = GC.CollectionCount(2);
        // Done when every scored record is on the broker (acknowledged), not merely handed to the producer. The
        // watermarks are one broker request per partition: asked for only once everything is scored, so the bench's
        // polling does not load the broker the service is using.
        while (stats.Scored < count && clock.Elapsed < RunLimit)
        {
            await Task.Delay(2);
        }
        while (partitions.Sum(p => admin.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(5)).High.Value) < count)
        {
            await Task.Delay(2);
            if (clock.Elapsed > RunLimit)
            {
                throw new RunLimitException(stats.Scored, count, clock.Elapsed);
            }
        }
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new EndToEnd(count / clock.Elapsed.TotalSeconds, clock.Elapsed, cpuUsed.TotalMicroseconds / count,
            (GC.GetTotalAllocatedBytes() - allocated) / (double)count, GC.CollectionCount(2) - gen2);
    }

    /// <summary>
    /// The preloaded backlog through Scoring with the merchant stage: the pipeline joins a merchant table, this
    /// process also runs the table's reader and a stage member, and a model that reads merchant features waits for
    /// the table as the service does. Counted as <see cref="MeasureEndToEndAsync"/> counts.
    /// </summary>
    private static async Task<MerchantRun> MeasureWithMerchantStageAsync(
        IScoringModel model, byte[][] keys, byte[][] values, int partitions, string work, int maxHeldPerPartition)
    {
        // Every card partition tells every stage partition when it closes a day (partitions x stage partitions messages a
        // day): the stage topics keep a deployment's few partitions however many the retention forced on the backlog.
        using var kafka = EmbeddedKafka.Start(partitions: partitions, topics: [.. Topics.All.Except([Topics.MerchantPartials, Topics.MerchantFeatures])]);
        var stagePartitions = Math.Min(partitions, MerchantStagePartitions);
        kafka.CreateTopic(Topics.MerchantPartials, stagePartitions);
        kafka.CreateTopic(Topics.MerchantFeatures, stagePartitions);
        ProduceAll(kafka.BootstrapServers, Topics.Transactions, keys, values);
        var options = new ScoringOptions { ConsumerGroup = "bench-merchants", CheckpointPath = Path.Combine(work, "checkpoints-merchants.db") };
        var store = new SqliteCheckpointStore(options.CheckpointPath!);
        var merchantOptions = new MerchantOptions { MaxParkedPerPartition = maxHeldPerPartition };
        var table = new MerchantTable(FeatureOptions.Default);
        using var stop = new CancellationTokenSource();
        var reader = new MerchantTableReader(kafka.BootstrapServers, table, store, options, NullLogger.Instance, merchantOptions).RunAsync(stop.Token);
        var stage = new MerchantStage(kafka.BootstrapServers, merchantOptions, new SqliteCheckpointStore(Path.Combine(work, "merchant-stage.db")), NullLogger.Instance, table);
        var stageRun = stage.RunAsync(stop.Token);
        using var telemetry = new ScoringTelemetry();
        var stats = new ScoringStats();
        var consumer = new ScoringConsumer(kafka.BootstrapServers, options, new OnlineFeaturePipeline(merchantTable: table), new FixedModelSource(model), store,
            telemetry, stats, NullLogger.Instance, merchantOptions: merchantOptions);
        var run = consumer.RunAsync(stop.Token);
        var firstScored = FirstScoredAsync(stats, consumer, stop.Token);
        try
        {
            var measured = await MeasureEndToEndAsync(kafka.BootstrapServers, stats, keys.Length, partitions, () => consumer.MerchantWaits > 0);
            return new MerchantRun(measured, stats.Alerts, stage.PublishedDays, consumer.MerchantWaits, null, HandedOver(stage, table), await firstScored);
        }
        catch (RunLimitException e)
        {
            return new MerchantRun(new EndToEnd(e.Scored / e.Elapsed.TotalSeconds, e.Elapsed, double.NaN, double.NaN, 0), stats.Alerts, stage.PublishedDays, consumer.MerchantWaits, e.Message, HandedOver(stage, table),
                firstScored.IsCompletedSuccessfully ? firstScored.Result : default);
        }
        finally
        {
            await stop.CancelAsync();
            await run;
            await Task.WhenAll(reader, stageRun);
            consumer.Dispose();
        }
    }

    /// <summary>The merchant run's figures; <paramref name="Unfinished"/> says why it stopped short (the rate is then what it reached).</summary>
    private sealed record MerchantRun(EndToEnd Measured, long Alerts, long Days, long Waits, string? Unfinished, string HandedOver, (TimeSpan After, long Held) FirstScored);

    /// <summary>
    /// How long after the first held transaction the first one was scored, and how many were held by then: no day's
    /// merchant features exist until every card partition has been read past it, so this says how far the broker's
    /// order of delivery lets scoring start before the backlog has been read.
    /// </summary>
    private static async Task<(TimeSpan After, long Held)> FirstScoredAsync(ScoringStats stats, ScoringConsumer consumer, CancellationToken cancellationToken)
    {
        while (consumer.MerchantWaits == 0 && stats.Scored == 0)
        {
            await Task.Delay(5, cancellationToken);
        }
        var clock = Stopwatch.StartNew();
        while (stats.Scored == 0)
        {
            await Task.Delay(5, cancellationToken);
        }
        return (clock.Elapsed, consumer.MerchantWaits);
    }

    private static string HandedOver(MerchantStage stage, MerchantTable table) =>
        $"handed over in process: {stage.HandedOver:N0} partials messages, {table.HandedOver:N0} table messages";

    /// <summary>An end-to-end run that did not score and acknowledge its backlog within <see cref="RunLimit"/>.</summary>
    private sealed class RunLimitException(long scored, long count, TimeSpan elapsed)
        : Exception($"only {scored:N0} of {count:N0} scored in {elapsed.TotalMinutes:0} minutes")
    {
        public long Scored { get; } = scored;

        public TimeSpan Elapsed { get; } = elapsed;
    }

    private static async Task<double[]> OfferLoadAsync(string bootstrap, Transaction[] live, int rate, ScoringStats stats, LatencyRecorder latencies, int before)
    {
        var (keys, values) = Encode(live);
        var config = ProducerConfig(bootstrap);
        config.LingerMs = 0;
        using var producer = new ProducerBuilder<byte[], byte[]>(config).Build();
        // A load generator is a long-lived producer: connect, get the idempotent producer id and the topic's metadata
        // first, or the first ~60 ms of messages (~600 at 10,000/s, over 1 % of them) carry its start-up as "latency".
        producer.Produce(RawTopic, new Message<byte[], byte[]> { Key = keys[0], Value = [] });
        producer.Flush(TimeSpan.FromSeconds(30));
        using (var metadata = new DependentAdminClientBuilder(producer.Handle).Build())
        {
            metadata.GetMetadata(Topics.Transactions, TimeSpan.FromSeconds(30));
        }
        latencies.TakeSnapshot();
        await Task.Run(() =>
        {
            LiveStream.ProducePaced(producer, keys, values, rate, tooFarBehind: _ => false);
            producer.Flush(TimeSpan.FromSeconds(30));
        });
        var wait = Stopwatch.StartNew();
        while (stats.Scored < before + live.Length && wait.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
        }
        return latencies.TakeSnapshot();
    }

    internal static double Percentile(double[] values, double percentile)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    internal sealed class FixedModelSource(IScoringModel model) : IModelSource
    {
        public IScoringModel? Current => model;
        public string Status => "bench model";
    }

    /// <summary>Collects the event→scored histogram's measurements (recorded on the scoring thread only).</summary>
    internal sealed class LatencyRecorder
    {
        private readonly List<double> values = new(1 << 20);
        private readonly Lock gate = new();

        public MeterListener Listen(ScoringTelemetry telemetry)
        {
            var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Name == FraudMetrics.EventToScoredLatency && ReferenceEquals(instrument, telemetry.EventToScored.Instrument))
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
            {
                lock (gate)
                {
                    values.Add(value * 1000); // the instrument is in seconds; the bench prints milliseconds
                }
            });
            listener.Start();
            return listener;
        }

        public double[] TakeSnapshot()
        {
            lock (gate)
            {
                var snapshot = values.ToArray();
                values.Clear();
                return snapshot;
            }
        }
    }
}
