using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Features;
using FraudDetection.Core.Messaging;
using FraudDetection.Core.Transactions;
using Rows = FraudDetection.Tests.Features.TestTransactions;

namespace FraudDetection.Tests.Scoring;

/// <summary>A verdict on <c>fraud.labels</c> counts in the card's next score; a repeat or an unreadable message changes nothing.</summary>
[Trait("Category", "Integration")]
public sealed class LabelEventScoringTests
{
    [Fact]
    public async Task A_customer_verdict_is_counted_by_the_next_score_of_that_card_once_and_a_bad_label_message_is_skipped()
    {
        using var harness = new ScoringHarness(partitions: 2, labels: true);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var card = 4_100_000_000_000_011L;
        var start = new DateTime(2020, 6, 1, 9, 0, 0);
        var first = Enumerable.Range(0, 5).Select(i => Rows.Make(card, start.AddHours(i), 20 + i)).ToList();
        var options = ScoringHarness.Options("labels");
        options.ExplainAllScored = true;
        options.TopReasons = FeatureSchema.Current.Count;

        harness.Produce(first);
        var (consumer, stats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == first.Count, "the first transactions scored");

        // The holder answers "it wasn't me" to the alert on the third one; the answer is delivered twice; the bad-label corpus between.
        var answered = first[2];
        var label = new FraudLabel(answered.TransNum, CardMask.CardId(card), LabelValues.Fraud, LabelSources.Customer, answered.TransDateTransTime,
            DateTimeOffset.UtcNow, AlertId: answered.TransNum);
        var bad = MalformedLabels.Corpus(label);
        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = harness.Kafka.BootstrapServers }).Build())
        {
            var key = Encoding.UTF8.GetBytes(label.CardId);
            var value = JsonSerializer.SerializeToUtf8Bytes(label, FraudJsonContext.Default.FraudLabel);
            await producer.ProduceAsync(Topics.Labels, new Message<byte[], byte[]> { Key = key, Value = value });
            foreach (var (_, junk) in bad)
            {
                await producer.ProduceAsync(Topics.Labels, new Message<byte[], byte[]> { Key = key, Value = junk });
            }
            await producer.ProduceAsync(Topics.Labels, new Message<byte[], byte[]> { Key = key, Value = value });
        }
        await ScoringHarness.WaitUntilAsync(() => stats.Labels is { Ignored: 1 } l && l.BadMessages == bad.Length, "the verdicts read");
        stats.Labels!.AppliedBySource.Should().Equal(new Dictionary<string, long> { [LabelSources.Customer] = 1 });
        stats.Labels.Transactions.Should().Be(1);

        var next = Rows.Make(card, start.AddHours(6), 25);
        harness.Produce([next]);
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == first.Count + 1, "the next transaction scored");
        await harness.StopAsync(consumer);

        var scored = harness.ReadScored(s => s.Count >= first.Count + 1);
        var reasons = scored.Single(s => s.Transaction.TransNum == next.TransNum).Reasons.ToDictionary(r => r.Feature, r => r.Value);
        reasons["card_known_frauds"].Should().Be(1, "the answer counts at once, days before any chargeback");
        reasons["secs_since_known_fraud"].Should().Be((float)(next.TransDateTransTime - answered.TransDateTransTime).TotalSeconds);
        scored.Where(s => s.Transaction.TransNum != next.TransNum).Should().OnlyContain(s => s.Reasons.Single(r => r.Feature == "card_known_frauds").Value == 0);
    }
}
