using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Scoring.Options;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace FraudDetection.Tests.Scoring;

[Trait("Category", "Integration")]
public sealed class ScoringPipelineTests
{
    [Fact]
    public async Task Every_transaction_is_scored_once_with_the_offline_score_and_alerts_exactly_at_threshold()
    {
        using var harness = new ScoringHarness();
        var transactions = ScoringModels.KaggleRows(1500);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var expected = TestTransactions.Offline(transactions, models.Current!);
        // An override threshold at the 97th percentile, so that alerts exist and the override is what counts.
        var threshold = expected.Values.Order().ElementAt(expected.Count * 97 / 100);
        var options = ScoringHarness.Options("scoring");
        options.ThresholdOverride = threshold;

        harness.Produce(transactions);
        var (consumer, stats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == transactions.Count, "all scored");
        await harness.StopAsync(consumer);

        var scored = harness.ReadScored(s => s.Count >= transactions.Count);
        scored.Should().HaveCount(transactions.Count);
        scored.Select(s => s.Transaction.TransNum).Order(StringComparer.Ordinal).Should().Equal(transactions.Select(t => t.TransNum).Order(StringComparer.Ordinal));
        scored.Where(s => Math.Abs(s.Score - expected[s.Transaction.TransNum]) > 1e-6).Should().BeEmpty("the stream scores as the offline pipeline does");
        scored.Should().OnlyContain(s => s.ModelVersion == models.Current!.Version && s.Threshold == threshold);
        scored.Should().OnlyContain(s => s.IsAlert == (s.Score >= s.Threshold));

        var alertsExpected = scored.Where(s => s.Score >= s.Threshold).Select(s => s.Transaction.TransNum).ToList();
        alertsExpected.Should().NotBeEmpty("the test model must raise some alerts for this test to mean anything");
        alertsExpected.Count.Should().BeLessThan(scored.Count);
        var alerts = harness.ReadAll(Topics.Alerts, a => a.Count >= alertsExpected.Count, TimeSpan.FromSeconds(10))
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.FraudAlert)!).ToList();
        alerts.Select(a => a.TransNum).Order(StringComparer.Ordinal).Should().Equal(alertsExpected.Order(StringComparer.Ordinal));
        alerts.Should().OnlyContain(a => a.CardMasked.StartsWith("****") && a.CardMasked.Length == 8 && a.Reasons.Count > 0);
        stats.Alerts.Should().Be(alertsExpected.Count);
    }

    [Fact]
    public async Task Malformed_and_invalid_messages_are_dead_lettered_with_reasons_while_the_rest_flows()
    {
        using var harness = new ScoringHarness();
        var good = ScoringModels.KaggleRows(200);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var template = JsonSerializer.Serialize(good[0] with { TransNum = "bad-template" }, FraudJsonContext.Default.Transaction);
        var bad = MalformedTransactions.From(template, "bad-template");

        harness.Produce(good.Take(100));
        foreach (var (_, value) in bad)
        {
            harness.ProduceRaw(Encoding.UTF8.GetBytes("4000000000000001"), value);
        }
        harness.Produce(good.Skip(100));
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == good.Count && stats.DeadLetters == bad.Length, "all scored or dead-lettered");
        await harness.StopAsync(consumer);

        var letters = harness.ReadAll(Topics.DeadLetter, l => l.Count >= bad.Length)
            .Select(m => JsonSerializer.Deserialize(m.Message.Value, FraudJsonContext.Default.DeadLetter)!).ToList();
        letters.Select(l => l.Reason).Should().BeEquivalentTo(bad.Select(b => b.Reason));
        letters.Should().OnlyContain(l => l.SourceTopic == Topics.Transactions && l.SourceOffset >= 0 && l.Error.Length > 0);
        letters.Select(l => Encoding.UTF8.GetString(l.RawValue!)).Should().BeEquivalentTo(bad.Select(b => Encoding.UTF8.GetString(b.Value)));
        harness.ReadScored(s => s.Count >= good.Count).Select(s => s.Transaction.TransNum).Order(StringComparer.Ordinal)
            .Should().Equal(good.Select(t => t.TransNum).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(CheckpointStores.Sqlite)]
    [InlineData(CheckpointStores.Kafka)]
    public async Task Stop_and_kill_mid_stream_then_restart_loses_nothing_and_counts_nothing_twice(string checkpointStore)
    {
        using var harness = new ScoringHarness();
        var all = ScoringModels.KaggleRows(1800);
        // The producer retried some sends: the same trans_num arrives twice and must count once.
        var withDuplicates = all.Take(600).Concat(all.Skip(100).Take(20))
            .Concat(all.Skip(600).Take(600)).Concat(all.Skip(700).Take(20))
            .Concat(all.Skip(1200)).ToList();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var expected = TestTransactions.Offline(withDuplicates, models.Current!);

        // Reference: one uninterrupted run, on its own group and checkpoint file (runs beside the interrupted one).
        var referenceStore = harness.Store("reference", checkpointStore);
        harness.Produce(withDuplicates);
        var (reference, referenceStats) = harness.Start(ScoringHarness.Options("reference"), models, referenceStore);

        // Interrupted, on a fresh topic holding the same messages: a clean stop mid-stream, then a crash mid-stream
        // (no checkpoint since it resumed), then a third instance runs to the end.
        using var interrupted = new ScoringHarness();
        var store = interrupted.Store("interrupted", checkpointStore);
        interrupted.Produce(withDuplicates);
        var small = ScoringHarness.Options("scoring");
        small.MaxBatchSize = 16;
        // Each instance is held after 400 rows until the test stops or kills it: both land mid-stream at a position,
        // however late this 2-core machine runs the test's own polling. The waits are on the rows the model saw, not on
        // those scored: ONNX runs on either thread, so the emitter can be the one held, on a batch queued before later
        // ones the consume loop already ran through the model; those are scored only after the release.
        var firstModels = new HeldModelSource(models, rowsBeforeHold: 400);
        var (first, firstStats) = interrupted.Start(small, firstModels, store);
        await ScoringHarness.WaitUntilAsync(() => firstModels.RowsScored >= 400, "first instance's model saw 400 rows", TimeSpan.FromSeconds(60),
            () => $"first scored {firstStats.Scored} with {first.OwnedPartitions.Count} partitions, its model saw {firstModels.RowsScored} rows");
        var stopping = interrupted.StopAsync(first);
        firstModels.Release();
        await stopping;
        firstStats.Scored.Should().BeLessThan(all.Count, "the stop must land mid-stream");

        var crashing = ScoringHarness.Options("scoring", checkpointMs: 600_000);
        crashing.MaxBatchSize = 16;
        var secondModels = new HeldModelSource(models, rowsBeforeHold: 400);
        var (second, secondStats) = interrupted.Start(crashing, secondModels, store);
        await ScoringHarness.WaitUntilAsync(() => secondModels.RowsScored >= 400, "second instance's model saw 400 rows", TimeSpan.FromSeconds(60),
            () => $"first scored {firstStats.Scored}, second scored {secondStats.Scored} ({secondStats.Duplicates} duplicates) with {second.OwnedPartitions.Count} partitions, its model saw {secondModels.RowsScored} rows");
        var killing = interrupted.KillAsync(second);
        secondModels.Release();
        await killing;
        (firstStats.Scored + secondStats.Scored).Should().BeLessThan(all.Count, "the crash must land mid-stream");

        var (third, _) = interrupted.Start(ScoringHarness.Options("scoring"), models, store);
        // The crash lost the second instance's work: the third resumes from the first's checkpoint and replays it.
        await ScoringHarness.WaitUntilAsync(() => store.LoadAll("scoring", Topics.Transactions).Sum(c => c.NextOffset) == withDuplicates.Count,
            "every message checkpointed", TimeSpan.FromSeconds(60));
        await interrupted.StopAsync(third);

        await ScoringHarness.WaitUntilAsync(() => referenceStats.Scored == all.Count, "reference scored all");
        await harness.StopAsync(reference);
        referenceStats.Duplicates.Should().Be(40);

        var finalReference = referenceStore.LoadAll("reference", Topics.Transactions);
        var finalInterrupted = store.LoadAll("scoring", Topics.Transactions);
        finalInterrupted.Select(c => (c.Partition, c.NextOffset)).Should().BeEquivalentTo(finalReference.Select(c => (c.Partition, c.NextOffset)));
        foreach (var checkpoint in finalInterrupted)
        {
            var referenceCheckpoint = finalReference.Single(c => c.Partition == checkpoint.Partition);
            checkpoint.FeatureState.Should().Equal(referenceCheckpoint.FeatureState, $"partition {checkpoint.Partition} state must equal the uninterrupted run's");
        }

        var scored = interrupted.ReadScored(s => s.Select(x => x.Transaction.TransNum).Distinct().Count() >= all.Count);
        scored.Select(s => s.Transaction.TransNum).Distinct().Order(StringComparer.Ordinal).Should().Equal(all.Select(t => t.TransNum).Order(StringComparer.Ordinal));
        scored.Should().OnlyContain(s => Math.Abs(s.Score - expected[s.Transaction.TransNum]) < 1e-6, "a replayed record is scored exactly as the first time");
    }

    [Fact]
    public async Task Two_instances_sharing_the_partitions_give_the_same_results_as_one()
    {
        using var harness = new ScoringHarness();
        var all = ScoringModels.KaggleRows(1600);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var expected = TestTransactions.Offline(all, models.Current!);
        var store = harness.Store("shared");

        harness.Produce(all.Take(800));
        var (one, oneStats) = harness.Start(ScoringHarness.Options("scoring"), models, store);
        await ScoringHarness.WaitUntilAsync(() => oneStats.Scored == 800, "first half scored by one instance");
        var (two, twoStats) = harness.Start(ScoringHarness.Options("scoring"), models, store);
        await ScoringHarness.WaitUntilAsync(() => one.OwnedPartitions.Count == 2 && two.OwnedPartitions.Count == 2, "partitions shared 2/2", TimeSpan.FromSeconds(60));
        harness.Produce(all.Skip(800));
        await ScoringHarness.WaitUntilAsync(() => oneStats.Scored + twoStats.Scored >= all.Count, "second half scored by both", TimeSpan.FromSeconds(60));
        twoStats.Scored.Should().BeGreaterThan(0, "the second instance took partitions over");
        await harness.StopAsync(one);
        await harness.StopAsync(two);

        var scored = harness.ReadScored(s => s.Count >= all.Count);
        scored.Select(s => s.Transaction.TransNum).Order(StringComparer.Ordinal).Should().Equal(all.Select(t => t.TransNum).Order(StringComparer.Ordinal));
        scored.Should().OnlyContain(s => Math.Abs(s.Score - expected[s.Transaction.TransNum]) < 1e-6,
            "features carried over through the checkpoint when partitions moved");
    }

    [Fact]
    public async Task A_champion_swap_mid_stream_drops_nothing_and_every_record_names_its_model()
    {
        using var harness = new ScoringHarness();
        var all = ScoringModels.KaggleRows(3000);
        var (registry, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => consumer.OwnedPartitions.Count == 4, "partitions assigned");

        // The last third waits for the swap: however long this machine takes to load v2, rows come after it.
        using var swapped = new ManualResetEventSlim();
        var feeding = Task.Run(() =>
        {
            foreach (var (chunk, index) in all.Chunk(50).Select((c, i) => (c, i)))
            {
                if (index * 50 == 2000 && !swapped.Wait(TimeSpan.FromSeconds(60)))
                {
                    throw new TimeoutException("the test never swapped the champion");
                }
                harness.Produce(chunk);
                Thread.Sleep(20);
            }
        });
        await ScoringHarness.WaitUntilAsync(() => stats.Scored >= 1000, "a third scored with v1");
        var v2 = await registry.RegisterAsync(ScoringModels.ModelB, new Dictionary<string, string>());
        await registry.SetAliasAsync(ModelRegistryNames.ChampionAlias, v2.Version);
        (await models.RefreshAsync(CancellationToken.None)).Should().BeTrue();
        stats.Scored.Should().BeLessThan(all.Count, "the swap must land mid-stream");
        swapped.Set();
        await feeding;
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == all.Count, "all scored");
        await harness.StopAsync(consumer);

        var scored = harness.ReadScored(s => s.Count >= all.Count);
        scored.Select(s => s.Transaction.TransNum).Order(StringComparer.Ordinal).Should().Equal(all.Select(t => t.TransNum).Order(StringComparer.Ordinal));
        scored.Select(s => s.ModelVersion).Distinct().Should().BeEquivalentTo(["1", "2"]);
        using var modelA = ScoringModels.Loader().Load((await registry.GetVersionAsync("1"))!);
        using var modelB = ScoringModels.Loader().Load(v2);
        var byVersion = new Dictionary<string, Dictionary<string, double>>
        {
            ["1"] = TestTransactions.Offline(all, modelA),
            ["2"] = TestTransactions.Offline(all, modelB),
        };
        byVersion["1"].Count(e => Math.Abs(e.Value - byVersion["2"][e.Key]) > 1e-3).Should().BeGreaterThan(all.Count / 2, "the two models must differ for the swap to show");
        scored.Should().OnlyContain(s => Math.Abs(s.Score - byVersion[s.ModelVersion][s.Transaction.TransNum]) < 1e-6);
    }

    [Fact]
    public async Task The_producers_trace_context_is_linked_and_passed_on()
    {
        using var harness = new ScoringHarness();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var activities = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == FraudDetection.Scoring.Telemetry.ScoringTelemetry.ActivitySourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (activities) { activities.Add(a); } },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        const string traceId = "0af7651916cd43dd8448eb211c80319c";
        var t = ScoringModels.KaggleRows(1)[0];
        harness.ProduceRaw(Encoding.UTF8.GetBytes(t.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction),
            [new Header(Topics.TraceParentHeader, Encoding.ASCII.GetBytes($"00-{traceId}-b7ad6b7169203331-01"))]);
        harness.Flush();
        var (consumer, stats) = harness.Start(ScoringHarness.Options("scoring"), models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == 1, "scored");
        await harness.StopAsync(consumer);

        System.Diagnostics.Activity span;
        lock (activities)
        {
            // The listener hears every scoring span in the process, other tests' included: pick ours by its link.
            span = activities.Single(a => a.Links.Any(l => l.Context.TraceId.ToHexString() == traceId));
        }
        span.Links.Single().Context.TraceId.ToHexString().Should().Be(traceId);
        span.TraceId.ToHexString().Should().Be(traceId, "the batch continues the producer's trace");
        var output = harness.ReadAll(Topics.Scored, m => m.Count >= 1).Single();
        output.Message.Headers.TryGetLastBytes(Topics.TraceParentHeader, out var header).Should().BeTrue();
        Encoding.ASCII.GetString(header).Should().Be(span.Id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_alert_is_traced_in_its_transactions_trace_or_in_one_of_its_own(bool transactionTraced)
    {
        using var harness = new ScoringHarness();
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var ended = new List<System.Diagnostics.Activity>();
        var sampling = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio", ["OTEL_TRACES_SAMPLER_ARG"] = "0" })
            .Build();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource(FraudDetection.Scoring.Telemetry.ScoringTelemetry.ActivitySourceName)
            .SetSampler(Microsoft.Extensions.Hosting.TraceSampling.FromConfiguration(sampling))
            .AddProcessor(new EndedSpans(ended))
            .Build();
        // A trace id of each case's own: the tracer hears every scoring span in the process, other tests' included.
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom().ToHexString();
        const string producerSpan = "00f067aa0ba902b7";
        var t = ScoringModels.KaggleRows(1)[0];
        harness.ProduceRaw(Encoding.UTF8.GetBytes(t.CcNum.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            JsonSerializer.SerializeToUtf8Bytes(t, FraudJsonContext.Default.Transaction),
            [new Header(Topics.TraceParentHeader, Encoding.ASCII.GetBytes($"00-{traceId}-{producerSpan}-{(transactionTraced ? "01" : "00")}"))]);
        harness.Flush();
        var options = ScoringHarness.Options("scoring");
        options.ThresholdOverride = 0; // every transaction alerts
        var (consumer, stats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == 1, "scored");
        await harness.StopAsync(consumer);

        System.Diagnostics.Activity alertSpan;
        lock (ended)
        {
            alertSpan = ended.Single(a => a.DisplayName == "raise alert"
                && (a.TraceId.ToHexString() == traceId || a.Links.Any(l => l.Context.TraceId.ToHexString() == traceId)));
            if (!transactionTraced)
            {
                ended.Should().NotContain(a => a.TraceId.ToHexString() == traceId, "the transaction is not traced at ratio 0");
            }
        }
        alertSpan.Recorded.Should().BeTrue();
        if (transactionTraced)
        {
            alertSpan.TraceId.ToHexString().Should().Be(traceId, "a traced transaction's alert is in its trace");
            alertSpan.ParentSpanId.ToHexString().Should().Be(producerSpan);
        }
        else
        {
            alertSpan.ParentSpanId.Should().Be(default(System.Diagnostics.ActivitySpanId), "the alert's trace is its own, linked to the transaction's");
        }
        var alert = harness.ReadAll(Topics.Alerts, m => m.Count >= 1).Single();
        alert.Message.Headers.TryGetLastBytes(Topics.TraceParentHeader, out var header).Should().BeTrue();
        Encoding.ASCII.GetString(header).Should().Be(alertSpan.Id, "the Notifier continues the alert's trace");
        var scored = harness.ReadAll(Topics.Scored, m => m.Count >= 1).Single();
        scored.Message.Headers.TryGetLastBytes(Topics.TraceParentHeader, out var scoredHeader).Should().BeTrue();
        Encoding.ASCII.GetString(scoredHeader).Should().Contain(traceId, "the scored record stays in the transaction's trace");
    }

    private sealed class EndedSpans(List<System.Diagnostics.Activity> ended) : OpenTelemetry.BaseProcessor<System.Diagnostics.Activity>
    {
        public override void OnEnd(System.Diagnostics.Activity data)
        {
            lock (ended)
            {
                ended.Add(data);
            }
        }
    }
}
