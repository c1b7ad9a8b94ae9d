using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.Tests.Scoring;
using Json.Schema;

namespace FraudDetection.Tests.Contracts;

/// <summary>docs/asyncapi.yaml against the code: every topic described, and what the services write matches it.</summary>
public sealed class AsyncApiContractTests
{
    private static readonly AsyncApiDocument Document = AsyncApiDocument.Repository;

    [Fact]
    public void Every_topic_is_a_channel_with_its_producer_and_consumer()
    {
        Document.Root["asyncapi"]!.GetValue<string>().Should().Be("3.0.0");
        var messages = Document.MessageByAddress();
        messages.Keys.Should().BeEquivalentTo(Topics.All, "every topic of Topics.All, and no other, is described");
        var actions = Document.ActionsByChannel();
        foreach (var topic in Topics.All)
        {
            actions[Document.ChannelKey(topic)].Should().Contain("send", $"{topic} has a producer");
        }
        foreach (var consumed in new[] { Topics.Transactions, Topics.Scored, Topics.Alerts, Topics.MerchantPartials, Topics.MerchantFeatures })
        {
            actions[Document.ChannelKey(consumed)].Should().Contain("receive", $"{consumed} has a consumer");
        }
        foreach (var message in messages.Values)
        {
            Document.Payload(message).Should().NotBeNull();
        }
    }

    [Fact]
    public async Task What_Scoring_reads_and_writes_matches_the_schemas_and_the_dead_lettered_input_does_not()
    {
        using var harness = new ScoringHarness(partitions: 2);
        var good = ScoringModels.KaggleRows(300);
        var (_, models) = await harness.ChampionAsync(ScoringModels.ModelA);
        var template = JsonSerializer.Serialize(good[0] with { TransNum = "bad-template" }, FraudJsonContext.Default.Transaction);
        var bad = MalformedTransactions.From(template, "bad-template");
        var options = ScoringHarness.Options("contracts");
        options.ThresholdOverride = 0.01; // alerts on most rows, so that the alert topic is well sampled

        harness.Produce(good);
        foreach (var (_, value) in bad)
        {
            harness.ProduceRaw(Encoding.UTF8.GetBytes("4000000000000001"), value);
        }
        harness.Flush();
        var (consumer, stats) = harness.Start(options, models, harness.Store("cp"));
        await ScoringHarness.WaitUntilAsync(() => stats.Scored == good.Count && stats.DeadLetters == bad.Length, "all scored or dead-lettered");
        await harness.StopAsync(consumer);

        var messages = Document.MessageByAddress();
        var input = harness.ReadAll(Topics.Transactions, m => m.Count >= good.Count + bad.Length);
        var refused = bad.Select(b => Encoding.UTF8.GetString(b.Value)).ToHashSet();
        foreach (var message in input)
        {
            var value = Encoding.UTF8.GetString(message.Message.Value);
            var errors = Violations(Document.Payload(messages[Topics.Transactions]), message.Message.Value);
            if (refused.Contains(value))
            {
                errors.Should().NotBeEmpty($"the contract refuses what Scoring dead-letters: {value}");
            }
            else
            {
                errors.Should().BeEmpty($"the Producer's serialization of {value} is a valid transaction");
                KeyViolations(Topics.Transactions, message).Should().BeEmpty();
            }
        }

        var scored = harness.ReadAll(Topics.Scored, m => m.Count >= good.Count);
        var alerts = harness.ReadAll(Topics.Alerts, m => m.Count >= stats.Alerts);
        var deadLetters = harness.ReadAll(Topics.DeadLetter, m => m.Count >= bad.Length);
        scored.Should().HaveCount(good.Count);
        alerts.Should().HaveCount((int)stats.Alerts).And.NotBeEmpty();
        deadLetters.Should().HaveCount(bad.Length);
        foreach (var (topic, written) in new[] { (Topics.Scored, scored), (Topics.Alerts, alerts), (Topics.DeadLetter, deadLetters) })
        {
            var message = messages[topic];
            foreach (var record in written)
            {
                Violations(Document.Payload(message), record.Message.Value).Should().BeEmpty($"{topic}: {Encoding.UTF8.GetString(record.Message.Value)}");
                KeyViolations(topic, record).Should().BeEmpty($"{topic} key");
                if (Document.Headers(message) is { } headers)
                {
                    var present = (record.Message.Headers ?? []).ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes()));
                    Violations(headers, JsonSerializer.SerializeToUtf8Bytes(present)).Should().BeEmpty($"{topic} headers");
                }
            }
        }
    }

    [Fact]
    public void A_notification_dead_letter_as_the_Notifier_writes_it_matches_and_an_unmasked_card_does_not()
    {
        var alert = new FraudAlert("a-1", "a-1", "****0366", "0123456789abcdef", "Jeff", 12.5, "USD", "fraud_Kirlin", "personal_care",
            new DateTime(2020, 6, 21, 12, 14, 25), "Columbia", "SC", 0.97, 0.5, "3", [new FeatureContribution("amt", 12.5f, 1.2f)],
            DateTimeOffset.UtcNow);
        var schema = Document.Payload(Document.MessageByAddress()[Topics.NotificationsDeadLetter]);
        var letter = new NotificationDeadLetter(alert, "kakao", "-501", "not a kakaotalk user", DateTimeOffset.UtcNow);

        Violations(schema, JsonSerializer.SerializeToUtf8Bytes(letter, FraudJsonContext.Default.NotificationDeadLetter)).Should().BeEmpty();
        var unmasked = letter with { Alert = alert with { CardMasked = "2291163933867244" } };
        Violations(schema, JsonSerializer.SerializeToUtf8Bytes(unmasked, FraudJsonContext.Default.NotificationDeadLetter))
            .Should().NotBeEmpty("a full card number never leaves Scoring");
    }

    [Fact]
    public void The_labels_web_publishes_for_an_answer_and_a_verdict_match_the_contract()
    {
        using var data = new TempFolder("fd-label-contract");
        var store = new FraudDetection.Web.Alerts.AlertStore(Path.Combine(data.Path, "alerts.db"));
        var alert = new FraudAlert("a-1", "t-1", "****0366", "0123456789abcdef", "Jeff", 12.5, "USD", "fraud_Kirlin", "personal_care",
            new DateTime(2020, 6, 21, 12, 14, 25), "Columbia", "SC", 0.97, 0.5, "3", [new FeatureContribution("amt", 12.5f, 1.2f)],
            DateTimeOffset.UtcNow);
        store.Add(alert);
        store.RecordHolderAnswer("a-1", FraudDetection.Web.Alerts.HolderAnswers.NotMe, DateTimeOffset.UtcNow);
        store.RecordAnalystVerdict("a-1", LabelValues.Genuine, DateTimeOffset.UtcNow);

        var message = Document.MessageByAddress()[Topics.Labels];
        var labels = store.Unpublished();
        labels.Select(l => (l.Label.Source, l.Label.Label)).Should().Equal((LabelSources.Customer, LabelValues.Fraud), (LabelSources.Analyst, LabelValues.Genuine));
        foreach (var pending in labels)
        {
            Violations(Document.Payload(message), JsonSerializer.SerializeToUtf8Bytes(pending.Label, FraudJsonContext.Default.FraudLabel)).Should().BeEmpty();
            if (Document.Key(message) is { } key)
            {
                Violations(key, JsonSerializer.SerializeToUtf8Bytes(pending.Label.CardId)).Should().BeEmpty("the key is the card id");
            }
        }
        var wrong = labels[0].Label with { Source = "guess" };
        Violations(Document.Payload(message), JsonSerializer.SerializeToUtf8Bytes(wrong, FraudJsonContext.Default.FraudLabel)).Should().NotBeEmpty();
    }

    private static List<string> KeyViolations(string topic, ConsumeResult<byte[], byte[]> record) =>
        Document.Key(Document.MessageByAddress()[topic]) is { } key
            ? Violations(key, JsonSerializer.SerializeToUtf8Bytes(Encoding.UTF8.GetString(record.Message.Key ?? [])))
            : [];

    /// <summary>The schema's errors for the value; text that is not JSON at all is one violation.</summary>
    private static List<string> Violations(JsonSchema schema, byte[] value)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value);
        }
        catch (JsonException e)
        {
            return ["not JSON: " + e.Message];
        }
        using (document)
        {
            var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            return result.IsValid
                ? []
                : (result.Details ?? []).Where(d => d.Errors is not null)
                    .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")).DefaultIfEmpty("invalid").ToList();
        }
    }
}
