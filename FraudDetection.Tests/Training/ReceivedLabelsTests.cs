using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using FraudDetection.Core.Messaging;
using FraudDetection.DevKafka.Kafka;
using FraudDetection.Tests.Registry;
using FraudDetection.Core.Models;
using FraudDetection.Core.Transactions;
using FraudDetection.Training.Labels;
using FraudDetection.Training.Trainers;

namespace FraudDetection.Tests.Training;

public class ReceivedLabelsTests : IDisposable
{
    private static readonly DateTimeOffset Learned = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new("fd-received-labels");

    public void Dispose() => _temp.Dispose();

    private static FraudLabel Verdict(string transNum, string label, string source, int minutes) =>
        new(transNum, "card-" + transNum, label, source, new DateTime(2026, 10, 1), Learned.AddMinutes(minutes));

    private static byte[] Json(FraudLabel label) => JsonSerializer.SerializeToUtf8Bytes(label, FraudJsonContext.Default.FraudLabel);

    private static void Produce(EmbeddedKafka kafka, IEnumerable<(string Key, byte[] Value)> messages)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        foreach (var (key, value) in messages)
        {
            producer.Produce(Topics.Labels, new Message<string, byte[]> { Key = key, Value = value });
        }
        producer.Flush(TimeSpan.FromSeconds(10));
    }

    /// <summary>fraud for a row labelled 0, genuine for a row labelled 1, a repeat, an older verdict and junk.</summary>
    private static IEnumerable<(string, byte[])> Scenario() =>
    [
        ("card-t1", Json(Verdict("t1", LabelValues.Fraud, LabelSources.Customer, 1))),
        ("card-t2", Json(Verdict("t2", LabelValues.Genuine, LabelSources.Analyst, 2))),
        ("card-t3", Json(Verdict("t3", LabelValues.Fraud, LabelSources.Chargeback, 3))),
        ("card-t3", Json(Verdict("t3", LabelValues.Fraud, LabelSources.Chargeback, 4))), // a repeat
        ("card-t4", Json(Verdict("t4", LabelValues.Fraud, LabelSources.Analyst, 10))),
        ("card-t4", Json(Verdict("t4", LabelValues.Genuine, LabelSources.Customer, 5))), // older: the analyst's stands
        ("card-t5", Encoding.UTF8.GetBytes("{not json")),
        ("card-t6", Json(Verdict("t6", "maybe", LabelSources.Analyst, 6))),
    ];

    [Fact]
    public void The_reader_keeps_the_newest_verdict_per_transaction_and_counts_the_unreadable()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 3, topics: Topics.Labels);
        Produce(kafka, Scenario());

        var labels = ReceivedLabels.Read(kafka.BootstrapServers, TimeSpan.FromSeconds(30), CancellationToken.None);

        labels.Source.Should().Be(Topics.Labels);
        labels.ByTransNum.Keys.Should().BeEquivalentTo(["t1", "t2", "t3", "t4"]);
        labels.ByTransNum["t4"].Label.Should().Be(LabelValues.Fraud);
        labels.ByTransNum["t4"].Source.Should().Be(LabelSources.Analyst);
        labels.ByTransNum["t2"].Label.Should().Be(LabelValues.Genuine);
        labels.Skipped.Should().Be(2);
    }

    [Fact]
    public void An_empty_topic_gives_no_verdicts()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 2, topics: Topics.Labels);

        var labels = ReceivedLabels.Read(kafka.BootstrapServers, TimeSpan.FromSeconds(30), CancellationToken.None);

        labels.ByTransNum.Should().BeEmpty();
        labels.Skipped.Should().Be(0);
    }

    [Fact]
    public void Verdicts_replace_exactly_the_targets_they_name_and_the_params_say_so()
    {
        var labels = ReceivedLabels.From(Scenario().Select(m => (byte[]?)m.Item2), Topics.Labels);
        string[] ids = ["t0", "t1", "t2", "t3", "t4", "t9"];
        int[] targets = [0, 0, 1, 1, 0, 1];

        var applied = labels.ApplyTo(targets, ids, ids.Length);
        var parameters = labels.Params(applied);

        targets.Should().Equal(0, 1, 0, 1, 1, 1);
        applied.Should().Be(new LabelsApplied(Applied: 4, Changed: 3));
        parameters.Should().Contain("labels_from", Topics.Labels)
            .And.Contain("labels_received", "4")
            .And.Contain("labels_by_source", "chargeback=1,customer=1,analyst=2")
            .And.Contain("labels_applied", "4")
            .And.Contain("labels_changed", "3")
            .And.Contain("labels_skipped", "2");
    }

    [Fact]
    public async Task A_run_without_Kafka_records_that_no_verdicts_were_read()
    {
        var job = new ScriptedTrainingJob().Then(0.7, 0.6);
        await using var host = await TrainingHost.StartAsync(_temp.Path, job: job, evaluator: new PrecomputedEvaluator());

        var started = await host.Client.PostAsync("/api/training/runs", null);
        var run = await host.WaitForRunAsync((await started.Content.ReadFromJsonAsync<FraudDetection.Training.Runs.TrainingRunStatus>(TrainingHost.JsonOptions))!.Id);

        run.State.Should().Be(FraudDetection.Training.Runs.TrainingRunState.Succeeded, run.Error);
        var labels = job.Requests.Single().ReceivedLabels!;
        labels.ByTransNum.Should().BeEmpty();
        labels.Params(new LabelsApplied(0, 0)).Should().Contain("labels_from", "none (no Kafka connection configured)").And.Contain("labels_received", "0");
    }

    [Fact]
    public async Task A_run_with_Kafka_trains_with_the_verdicts_on_the_topic()
    {
        using var kafka = EmbeddedKafka.Start(partitions: 2, topics: Topics.Labels);
        Produce(kafka, Scenario());
        var job = new ScriptedTrainingJob().Then(0.7, 0.6);
        await using var host = await TrainingHost.StartAsync(_temp.Path, new Dictionary<string, string?> { ["ConnectionStrings:kafka"] = kafka.BootstrapServers }, job, new PrecomputedEvaluator());

        var started = await host.Client.PostAsync("/api/training/runs", null);
        var run = await host.WaitForRunAsync((await started.Content.ReadFromJsonAsync<FraudDetection.Training.Runs.TrainingRunStatus>(TrainingHost.JsonOptions))!.Id, TimeSpan.FromSeconds(60));

        run.State.Should().Be(FraudDetection.Training.Runs.TrainingRunState.Succeeded, run.Error);
        run.Log.Should().Contain(line => line.Contains("labels: 4 verdicts from fraud.labels, 2 skipped"));
        job.Requests.Single().ReceivedLabels!.ByTransNum.Should().HaveCount(4);
    }

    [Fact]
    public async Task A_trained_model_counts_the_verdicts_on_its_validation_frauds_and_in_its_params()
    {
        var file = RepoPaths.KaggleSlice("fraudTrain.head.csv");
        var validation = TransactionCsv.ReadFile(file).Where(tx => tx.TransDateTransTime >= new DateTime(2019, 1, 3)).ToList();
        var genuine = validation.Where(tx => tx.IsFraud == 0).Take(2).ToList();
        var fraud = validation.First(tx => tx.IsFraud == 1);
        var labels = ReceivedLabels.From(
        [
            Json(Verdict(genuine[0].TransNum, LabelValues.Fraud, LabelSources.Customer, 1)),
            Json(Verdict(genuine[1].TransNum, LabelValues.Fraud, LabelSources.Chargeback, 1)),
            Json(Verdict(fraud.TransNum, LabelValues.Genuine, LabelSources.Analyst, 1)),
            Json(Verdict(validation[^1].TransNum, validation[^1].IsFraud == 1 ? LabelValues.Fraud : LabelValues.Genuine, LabelSources.Analyst, 1)),
            Json(Verdict("not-in-the-data", LabelValues.Fraud, LabelSources.Analyst, 1)),
        ], Topics.Labels);

        var result = await ModelTrainer.TrainAsync(new TrainingRequest
        {
            DataFiles = [file],
            OutputDirectory = Path.Combine(_temp.Path, "model"),
            ValidFrom = new DateTime(2019, 1, 3),
            NegativesPerFraud = 0,
            Parameters = new HyperParameters(Trees: 10, Leaves: 7, MinDataInLeaf: 5),
            ShapRows = 50,
            WritePlots = false,
            ReceivedLabels = labels,
        });

        result.Report.Validation.Frauds.Should().Be(15 + 2 - 1, "the slice's 15 validation frauds, two more by verdict and one cleared");
        result.Report.Params.Should().Contain("labels_received", "5")
            .And.Contain("labels_applied", "4")
            .And.Contain("labels_changed", "3")
            .And.Contain("labels_by_source", "chargeback=1,customer=1,analyst=3");
    }
}
